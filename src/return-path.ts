/** Where the sign-in pages lead when `?to=` is missing or not acceptable. */
export const DEFAULT_RETURN_PATH = '/graphql';

/** Longer return paths are not kept: a Location header has no business being kilobytes long. */
const MAX_RETURN_PATH = 2048;

const BASE = 'http://gateway.invalid';

/**
 * A `?to=` as a `Location` header: a path on this origin, percent-encoded (a header carries only
 * visible ASCII), or the default. Refused: anything that is not a path (`https://…`), that a
 * browser would read as another host (`//evil`, and `/\evil`, since browsers read `\` as `/`),
 * control characters (a CR/LF would split the header), and very long values.
 */
export function returnPath(to: string | null): string {
  if (!to || to.length > MAX_RETURN_PATH || !to.startsWith('/')) return DEFAULT_RETURN_PATH;
  if (to.startsWith('//') || to.includes('\\') || hasControlCharacter(to)) {
    return DEFAULT_RETURN_PATH;
  }
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return DEFAULT_RETURN_PATH;
  }
  if (url.origin !== BASE) return DEFAULT_RETURN_PATH;
  const path = `${url.pathname}${url.search}${url.hash}`;
  const safe = path.length <= MAX_RETURN_PATH && /^\/(?!\/)[\u0021-\u007e]*$/.test(path);
  return safe ? path : DEFAULT_RETURN_PATH;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
