import { GraphQLError } from 'graphql';
import type { ImageAttributes } from '../../foreman/image-writes.js';
import { builder } from '../builder.js';
import { type ForemanTypeName, parseForemanId } from '../ids.js';
import type { InputProblem } from './mutation-errors.js';

export const CreateImageInput = builder.inputType('CreateImageInput', {
  description: 'A new image in a compute resource.',
  fields: (t) => ({
    computeResourceId: t.id({
      required: true,
      description: 'The compute resource to add it to (global or numeric id).',
    }),
    name: t.string({
      required: true,
      description:
        'Name, unique per compute resource and operating system (at most 255 characters).',
    }),
    username: t.string({
      required: true,
      description: 'User to log in with on hosts built from it.',
    }),
    uuid: t.string({
      required: true,
      description:
        "The template's id in the compute resource (an AMI id, a template path…), unique per compute resource.",
    }),
    password: t.string({
      description: 'Password for that user. Write-only: never returned, never logged.',
    }),
    architectureId: t.id({
      description: 'Its architecture (global or numeric id). Foreman requires one.',
    }),
    operatingSystemId: t.id({
      description: 'Its operating system (global or numeric id). Foreman requires one.',
    }),
    userData: t.boolean({ description: 'Whether it supports user data.' }),
    iamRole: t.string({ description: 'IAM role (EC2 only).' }),
  }),
});

export const UpdateImageInput = builder.inputType('UpdateImageInput', {
  description:
    'Changes to an image: an absent field is left as it is, an explicit null is sent as null.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The image (global id, or numeric Foreman id).' }),
    computeResourceId: t.id({ description: 'Move it to this compute resource.' }),
    name: t.string({ description: 'New name (at most 255 characters).' }),
    username: t.string({ description: 'New login user.' }),
    uuid: t.string({ description: 'New template id in the compute resource.' }),
    password: t.string({ description: 'New password. Write-only: never returned, never logged.' }),
    architectureId: t.id({ description: 'New architecture.' }),
    operatingSystemId: t.id({ description: 'New operating system.' }),
    userData: t.boolean({ description: 'Whether it supports user data.' }),
    iamRole: t.string({ description: 'New IAM role (EC2 only).' }),
  }),
});

export const DeleteImageInput = builder.inputType('DeleteImageInput', {
  description: 'The image to delete.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The image (global id, or numeric Foreman id).' }),
  }),
});

type ImageInput = Partial<Record<string, string | boolean | null | undefined>>;

/** Mirrors Foreman's own rules, so most mistakes cost no round trip. */
const TEXT_FIELDS = [
  ['name', 'name', true],
  ['username', 'username', true],
  ['uuid', 'uuid', true],
  ['password', 'password', false],
  ['iamRole', 'iam_role', false],
] as const;

const ID_FIELDS = [
  ['architectureId', 'architecture_id', 'Architecture'],
  ['operatingSystemId', 'operatingsystem_id', 'Operatingsystem'],
  ['computeResourceId', 'compute_resource_id', 'ComputeResource'],
] as const satisfies ReadonlyArray<readonly [string, keyof ImageAttributes, ForemanTypeName]>;

const MAX_LENGTH = 255;

export interface ValidatedInput {
  attributes: ImageAttributes;
  problems: InputProblem[];
}

/**
 * Checks every field (not just the first bad one) and builds Foreman's attributes from the
 * valid ones. Only fields present in the input are sent; `null` is sent as null, except where
 * Foreman requires a value, which is refused here with Foreman's own wording.
 */
export function validateImageInput(input: ImageInput): ValidatedInput {
  const attributes: ImageAttributes = {};
  const problems: InputProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ kind: 'input', message, path: ['input', field] });

  for (const [field, attribute, required] of TEXT_FIELDS) {
    if (!(field in input) || input[field] === undefined) continue;
    const value = input[field];
    if (value === null) {
      if (required) problem(field, `${label(field)} can't be blank`);
      else attributes[attribute] = null;
      continue;
    }
    const text = String(value).trim();
    if (required && text === '') problem(field, `${label(field)} can't be blank`);
    else if (text.length > MAX_LENGTH) {
      problem(field, `${label(field)} is too long (maximum is ${MAX_LENGTH} characters)`);
    } else attributes[attribute] = text;
  }

  for (const [field, attribute, typeName] of ID_FIELDS) {
    if (!(field in input) || input[field] === undefined) continue;
    const value = input[field];
    if (value === null) {
      problem(field, `${label(field)} can't be blank`);
      continue;
    }
    try {
      attributes[attribute] = parseForemanId(String(value), typeName, field);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      problem(field, error.message);
    }
  }

  if ('userData' in input && input.userData !== undefined) {
    attributes.user_data = input.userData === null ? null : Boolean(input.userData);
  }
  return { attributes, problems };
}

function label(field: string): string {
  const words = field
    .replace(/Id$/, '')
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
