import { badUserInput } from './errors.js';

/**
 * Global ids are encoded the way Foreman's own GraphQL API encodes them,
 * `base64("01:<TypeName>-<id>")`, with Foreman's type names, so ids carry between the two APIs.
 * Foreman has no Image type; ours carries the compute resource too (`Image-<cr>-<image>`),
 * because Foreman can read an image only under a parent.
 */
export type ForemanTypeName = 'Architecture' | 'Operatingsystem' | 'ComputeResource';
export type GlobalTypeName = ForemanTypeName | 'Image';

const VERSION_PREFIX = '01:';
const FOREMAN_ID = /^[1-9]\d{0,14}$/;

export interface ImageIdentity {
  computeResourceId: number;
  imageId: number;
}

export type NodeIdentity =
  | { typeName: ForemanTypeName; foremanId: number }
  | ({ typeName: 'Image' } & ImageIdentity);

export function encodeGlobalId(typeName: ForemanTypeName, foremanId: number): string {
  return toBase64(`${VERSION_PREFIX}${typeName}-${foremanId}`);
}

export function encodeImageId({ computeResourceId, imageId }: ImageIdentity): string {
  return toBase64(`${VERSION_PREFIX}Image-${computeResourceId}-${imageId}`);
}

/** Decodes any of our global ids; undefined for anything that is not one. */
export function decodeGlobalId(value: string): NodeIdentity | undefined {
  const decoded = fromBase64(value);
  if (!decoded?.startsWith(VERSION_PREFIX)) return undefined;
  const [typeName, ...numbers] = decoded.slice(VERSION_PREFIX.length).split('-');
  if (!numbers.every((n) => FOREMAN_ID.test(n))) return undefined;
  const [first, second] = numbers.map(Number);
  if (typeName === 'Image') {
    return numbers.length === 2 && first !== undefined && second !== undefined
      ? { typeName, computeResourceId: first, imageId: second }
      : undefined;
  }
  if (
    numbers.length === 1 &&
    first !== undefined &&
    (typeName === 'Architecture' ||
      typeName === 'Operatingsystem' ||
      typeName === 'ComputeResource')
  ) {
    return { typeName, foremanId: first };
  }
  return undefined;
}

/**
 * An id argument of one type: its global id, or Foreman's numeric id as a decimal string.
 * Anything else is BAD_USER_INPUT, raised before any upstream request.
 */
export function parseForemanId(
  value: string,
  typeName: ForemanTypeName,
  argumentName: string,
): number {
  if (FOREMAN_ID.test(value)) return Number(value);
  const identity = decodeGlobalId(value);
  if (identity?.typeName === typeName) return identity.foremanId;
  throw badUserInput(
    identity
      ? `Argument "${argumentName}" expects ${withArticle(typeName)} id, got ${withArticle(identity.typeName)} id`
      : `Argument "${argumentName}" is not a valid ${typeName} id: "${preview(value)}"`,
    argumentName,
  );
}

/** An image id argument: a global image id, or Foreman's numeric image id. */
export function parseImageId(
  value: string,
  argumentName: string,
): ImageIdentity | { imageId: number } {
  if (FOREMAN_ID.test(value)) return { imageId: Number(value) };
  const identity = decodeGlobalId(value);
  if (identity?.typeName === 'Image') return identity;
  throw badUserInput(
    identity
      ? `Argument "${argumentName}" expects an Image id, got ${withArticle(identity.typeName)} id`
      : `Argument "${argumentName}" is not a valid Image id: "${preview(value)}"`,
    argumentName,
  );
}

/** A `node` / `nodes` id: only global ids name their type. */
export function parseNodeId(value: string, argumentName: string): NodeIdentity {
  const identity = decodeGlobalId(value);
  if (identity) return identity;
  throw badUserInput(
    FOREMAN_ID.test(value)
      ? `Argument "${argumentName}" needs a global id: a bare number does not say which type it is`
      : `Argument "${argumentName}" is not a valid global id: "${preview(value)}"`,
    argumentName,
  );
}

function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Strict: only canonical base64 of printable ASCII decodes. */
function fromBase64(value: string): string | undefined {
  if (value.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (toBase64(decoded) !== value || !/^[\x20-\x7e]+$/.test(decoded)) return undefined;
  return decoded;
}

function withArticle(typeName: string): string {
  return `${/^[AEIOU]/.test(typeName) ? 'an' : 'a'} ${typeName}`;
}

/** Echoes user input in a message, bounded so a huge argument cannot bloat the response. */
function preview(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
