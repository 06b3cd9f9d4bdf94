import type { ImageParentName } from '../foreman/resources.js';
import { fromBase64, toBase64 } from './base64.js';
import { badUserInput } from './errors.js';
import { NODE_RESOURCES, NODE_TYPES, type NodeResource, type TopLevelNode } from './node-types.js';

/**
 * Global ids are encoded the way Foreman's own GraphQL API encodes them,
 * `base64("01:<TypeName>-<id>")`, with Foreman's type names (the table's `globalIdType`), so ids
 * carry between the two APIs. Foreman has no Image type; ours is `Image-<id>`, the form Foreman
 * would use, and an object's id for life: an image that moves to another compute resource keeps
 * it. Ids issued before, `Image-<compute resource>-<id>`, still resolve (the compute resource is a
 * hint where to look first).
 */

const VERSION_PREFIX = '01:';
const DIGITS = /^[1-9]\d{0,14}$/;
/** Foreman's ids are PostgreSQL integers: a larger one would fail Foreman's query (HTTP 500). */
const MAX_FOREMAN_ID = 2_147_483_647;

/** A Foreman id written as decimal digits, within Foreman's range. */
function isForemanId(text: string): boolean {
  return DIGITS.test(text) && Number(text) <= MAX_FOREMAN_ID;
}

const RESOURCE_BY_GLOBAL_ID_TYPE = new Map<string, NodeResource>(
  NODE_RESOURCES.map((resource) => [NODE_TYPES[resource].globalIdType, resource]),
);

export interface ImageIdentity {
  imageId: number;
  /** Where an id issued in the older form said the image was. */
  computeResourceId?: number;
}

export type NodeIdentity =
  | { resource: TopLevelNode; foremanId: number }
  | ({ resource: 'image' } & ImageIdentity);

/** The arguments that name an image list's parent, and which resource each names. */
const IMAGE_PARENT_ARGUMENTS = [
  ['computeResource', 'computeResourceId'],
  ['operatingSystem', 'operatingSystemId'],
  ['architecture', 'architectureId'],
] as const satisfies ReadonlyArray<readonly [ImageParentName, string]>;

export type ImageParentArgument = (typeof IMAGE_PARENT_ARGUMENTS)[number][1];

/** The parents a field's arguments name, parsed (BAD_USER_INPUT for a malformed id). */
export function parseImageParents(
  args: Partial<Record<ImageParentArgument, string | null>>,
): Array<{ resource: ImageParentName; id: number; argument: ImageParentArgument }> {
  return IMAGE_PARENT_ARGUMENTS.flatMap(([resource, argument]) => {
    const value = args[argument];
    return value == null
      ? []
      : [{ resource, id: parseForemanId(value, resource, argument), argument }];
  });
}

/** Foreman's own global id form, `01:<Type>-<id>`, for every resource, images included. */
export function encodeGlobalId(resource: NodeResource, foremanId: number): string {
  return toBase64(`${VERSION_PREFIX}${NODE_TYPES[resource].globalIdType}-${foremanId}`);
}

export function encodeImageId(imageId: number): string {
  return encodeGlobalId('image', imageId);
}

/** Decodes any of our global ids; undefined for anything that is not one. */
export function decodeGlobalId(value: string): NodeIdentity | undefined {
  const decoded = fromBase64(value, 200);
  if (!decoded?.startsWith(VERSION_PREFIX)) return undefined;
  const [typeName = '', ...numbers] = decoded.slice(VERSION_PREFIX.length).split('-');
  const resource = RESOURCE_BY_GLOBAL_ID_TYPE.get(typeName);
  if (!resource || !numbers.every(isForemanId)) return undefined;
  const [first, second] = numbers.map(Number);
  if (resource === 'image') {
    if (numbers.length === 1 && first !== undefined) return { resource, imageId: first };
    return numbers.length === 2 && first !== undefined && second !== undefined
      ? { resource, imageId: second, computeResourceId: first }
      : undefined;
  }
  return numbers.length === 1 && first !== undefined ? { resource, foremanId: first } : undefined;
}

/**
 * An id argument of one type: its global id, or Foreman's numeric id as a decimal string.
 * Anything else is BAD_USER_INPUT, raised before any upstream request.
 */
export function parseForemanId(
  value: string,
  resource: TopLevelNode,
  argumentName: string,
): number {
  if (isForemanId(value)) return Number(value);
  const identity = decodeGlobalId(value);
  if (identity?.resource === resource) return identity.foremanId;
  throw wrongId(value, resource, identity, argumentName);
}

/** An image id argument: a global image id, or Foreman's numeric image id. */
export function parseImageId(value: string, argumentName: string): ImageIdentity {
  if (isForemanId(value)) return { imageId: Number(value) };
  const identity = decodeGlobalId(value);
  if (identity?.resource === 'image') return identity;
  throw wrongId(value, 'image', identity, argumentName);
}

/** A `node` / `nodes` id: only global ids name their type. */
export function parseNodeId(value: string, argumentName: string): NodeIdentity {
  const identity = decodeGlobalId(value);
  if (identity) return identity;
  throw badUserInput(
    isForemanId(value)
      ? `Argument "${argumentName}" needs a global id: a bare number does not say which type it is`
      : `Argument "${argumentName}" is not a valid global id: "${preview(value)}"`,
    argumentName,
  );
}

/**
 * Whether an id is well formed but beyond Foreman's range (digits, or a global id carrying them):
 * such a record cannot exist, and asking Foreman would only make it fail.
 */
export function isBeyondForemanRange(value: string): boolean {
  if (DIGITS.test(value)) return Number(value) > MAX_FOREMAN_ID;
  const decoded = fromBase64(value, 200);
  const numbers = decoded?.startsWith(VERSION_PREFIX) ? decoded.split('-').slice(1) : [];
  return (
    numbers.length > 0 &&
    numbers.every((n) => DIGITS.test(n)) &&
    numbers.some((n) => Number(n) > MAX_FOREMAN_ID)
  );
}

function wrongId(
  value: string,
  expected: NodeResource,
  identity: NodeIdentity | undefined,
  argumentName: string,
) {
  const expectedType = NODE_TYPES[expected].globalIdType;
  if (isBeyondForemanRange(value)) {
    return badUserInput(
      `Argument "${argumentName}" is beyond Foreman's id range (at most ${MAX_FOREMAN_ID}): "${preview(value)}"`,
      argumentName,
    );
  }
  return badUserInput(
    identity
      ? `Argument "${argumentName}" expects ${withArticle(expectedType)} id, got ${withArticle(NODE_TYPES[identity.resource].globalIdType)} id`
      : `Argument "${argumentName}" is not a valid ${expectedType} id: "${preview(value)}"`,
    argumentName,
  );
}

function withArticle(typeName: string): string {
  return `${/^[AEIOU]/.test(typeName) ? 'an' : 'a'} ${typeName}`;
}

/** Echoes user input in a message, bounded so a huge argument cannot bloat the response. */
function preview(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
