import { GraphQLError } from 'graphql';
import type { ImageAttributes } from '../../foreman/api.js';
import { builder } from '../builder.js';
import { parseForemanId } from '../ids.js';
import type { InputProblem } from '../mutation-errors.js';
import type { TopLevelNode } from '../node-types.js';

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

/**
 * The input fields and the Foreman attributes they set, once: validation, the body sent, and
 * the mapping of Foreman's 422 errors back to input paths all read this table. Checks mirror
 * Foreman's own rules, so most mistakes cost no round trip.
 */
const IMAGE_FIELDS = [
  { field: 'name', attribute: 'name', kind: 'text', required: true },
  { field: 'username', attribute: 'username', kind: 'text', required: true },
  { field: 'uuid', attribute: 'uuid', kind: 'text', required: true },
  { field: 'password', attribute: 'password', kind: 'text', required: false },
  { field: 'iamRole', attribute: 'iam_role', kind: 'text', required: false },
  { field: 'architectureId', attribute: 'architecture_id', kind: 'id', resource: 'architecture' },
  {
    field: 'operatingSystemId',
    attribute: 'operatingsystem_id',
    kind: 'id',
    resource: 'operatingSystem',
  },
  {
    field: 'computeResourceId',
    attribute: 'compute_resource_id',
    kind: 'id',
    resource: 'computeResource',
  },
  { field: 'userData', attribute: 'user_data', kind: 'boolean' },
] as const satisfies ReadonlyArray<
  { field: string; attribute: keyof ImageAttributes } & (
    | { kind: 'text'; required: boolean }
    | { kind: 'id'; resource: TopLevelNode }
    | { kind: 'boolean' }
  )
>;

const MAX_LENGTH = 255;

/** Foreman's association names (`architecture` for `architecture_id`), as 422 messages use them. */
export const IMAGE_ASSOCIATIONS = IMAGE_FIELDS.filter((f) => f.kind === 'id').map((f) =>
  f.attribute.replace(/_id$/, ''),
);

/** The input field a Foreman attribute or association name belongs to. */
export function imageInputFieldOf(attributeOrAssociation: string): string | undefined {
  return IMAGE_FIELDS.find(
    (f) =>
      f.attribute === attributeOrAssociation ||
      (f.kind === 'id' && f.attribute === `${attributeOrAssociation}_id`),
  )?.field;
}

/** The records an input refers to by id (`architectureId` → an architecture), once validated. */
export function referencedRecords(
  attributes: ImageAttributes,
): Array<{ field: string; resource: TopLevelNode; id: number }> {
  return IMAGE_FIELDS.flatMap((spec) => {
    const id = attributes[spec.attribute];
    return spec.kind === 'id' && typeof id === 'number'
      ? [{ field: spec.field, resource: spec.resource, id }]
      : [];
  });
}

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
  const attributes: Record<string, string | number | boolean | null> = {};
  const problems: InputProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ kind: 'input', message, path: ['input', field] });

  for (const spec of IMAGE_FIELDS) {
    const { field, attribute } = spec;
    const value = input[field];
    if (value === undefined) continue;
    if (spec.kind === 'boolean') {
      attributes[attribute] = value === null ? null : Boolean(value);
    } else if (value === null) {
      if (spec.kind === 'text' && !spec.required) attributes[attribute] = null;
      else problem(field, `${label(field)} can't be blank`);
    } else if (spec.kind === 'text') {
      const text = String(value).trim();
      if (spec.required && text === '') problem(field, `${label(field)} can't be blank`);
      else if (text.length > MAX_LENGTH) {
        problem(field, `${label(field)} is too long (maximum is ${MAX_LENGTH} characters)`);
      } else attributes[attribute] = text;
    } else {
      try {
        attributes[attribute] = parseForemanId(String(value), spec.resource, field);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        problem(field, error.message);
      }
    }
  }
  return { attributes: attributes as ImageAttributes, problems };
}

function label(field: string): string {
  const words = field
    .replace(/Id$/, '')
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
