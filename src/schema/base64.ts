/**
 * The base64 inside global ids and cursors. Decoding is strict: only the canonical encoding of
 * printable ASCII decodes, so each id and cursor has exactly one spelling.
 */

export function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The decoded text, or undefined for anything that is not canonical base64 of printable ASCII. */
export function fromBase64(value: string, maxLength: number): string | undefined {
  if (value.length > maxLength || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (toBase64(decoded) !== value || !/^[\x20-\x7e]+$/.test(decoded)) return undefined;
  return decoded;
}
