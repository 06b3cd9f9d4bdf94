/**
 * An `Authorization` header as Foreman reads it. Rails compares the Basic scheme without regard
 * to case and decodes its parameter with Ruby's lenient `Base64.decode64`, which skips every
 * character outside the alphabet: `Basic`, `basic` and `BASIC`, extra spaces, line breaks and
 * missing padding all name one credential. The gateway reads it the same way, so that one
 * credential is one identity for every limit, and sends it on in one canonical spelling.
 */
export type Credential =
  /** HTTP Basic: a login and its password, or a personal access token as the password. */
  | { kind: 'basic'; login: string; secret: string }
  /** Any other scheme (Bearer JWTs, OAuth): passed on as its scheme and parameter. */
  | { kind: 'other'; scheme: string; parameter: string };

export type ParsedAuthorization =
  | { ok: true; credential: Credential; header: string }
  /** A header Foreman would not take as credentials: it would answer 401 and count a failed login. */
  | { ok: false; problem: string };

const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads a caller's header (undefined or blank: no credentials at all). */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  // Ruby's `split(" ", 2)`: leading blanks skipped, the first run of blanks separates.
  const match = /^(\S+)\s+([\s\S]*)$/.exec(trimmed);
  const scheme = match?.[1] ?? trimmed;
  const parameter = match?.[2] ?? '';
  if (!SCHEME.test(scheme)) return { ok: false, problem: 'the Authorization header has no scheme' };
  if (scheme.toLowerCase() !== 'basic') {
    if (!parameter) return { ok: false, problem: `the ${scheme} credentials are empty` };
    const normalised = parameter.replace(/\s+/g, ' ');
    return {
      ok: true,
      credential: { kind: 'other', scheme, parameter: normalised },
      header: `${scheme} ${normalised}`,
    };
  }
  const decoded = decodeLenientBase64(parameter);
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return { ok: false, problem: 'the Basic credentials are not "login:password" in base64' };
  }
  const login = decoded.slice(0, colon);
  if (login === '') return { ok: false, problem: 'the Basic credentials have an empty login' };
  const secret = decoded.slice(colon + 1);
  return {
    ok: true,
    credential: { kind: 'basic', login, secret },
    header: basicHeader(login, secret),
  };
}

export function basicHeader(login: string, secret: string): string {
  return `Basic ${Buffer.from(`${login}:${secret}`, 'utf8').toString('base64')}`;
}

/** What identifies a credential, whatever its spelling (hashed before it is kept anywhere). */
export function credentialMaterial(credential: Credential): string {
  return credential.kind === 'basic'
    ? `basic\u0000${credential.login}\u0000${credential.secret}`
    : `${credential.scheme.toLowerCase()}\u0000${credential.parameter}`;
}

/** Ruby's `Base64.decode64` (`unpack1("m")`): characters outside the alphabet are skipped. */
function decodeLenientBase64(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  // Leftover bits of an incomplete last group are dropped, as Ruby drops them.
  const usable = clean.slice(0, clean.length - (clean.length % 4 === 1 ? 1 : 0));
  return Buffer.from(usable, 'base64').toString('utf8');
}
