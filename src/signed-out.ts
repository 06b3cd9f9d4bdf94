import { type ParsedAuthorization, parseAuthorization } from './foreman/credentials.js';

/**
 * Signing out of HTTP Basic. Browsers keep Basic credentials per origin and offer no way to drop
 * them; what works everywhere is to make the browser replace them: GraphiQL's "Sign out" asks
 * for `/sign-out` with this marker as its user and password, the gateway accepts it there, and
 * the browser sends the marker instead of the real credentials from then on. The gateway treats
 * the marker as no credentials at all: it is never sent to Foreman, so it never counts as a failed
 * login there.
 *
 * Foreman logins are letters, digits and `_-@.` only, so no Foreman user can have the marker's.
 */
export const SIGNED_OUT = { login: '!signed-out', password: 'signed-out' } as const;

/** True when the header is the signed-out marker (however its Basic scheme is spelled). */
export function isSignedOut(authorization: string | undefined): boolean {
  return isSignedOutCredential(parseAuthorization(authorization));
}

export function isSignedOutCredential(parsed: ParsedAuthorization | undefined): boolean {
  return (
    parsed?.ok === true &&
    parsed.credential.kind === 'basic' &&
    parsed.credential.login === SIGNED_OUT.login &&
    parsed.credential.secret === SIGNED_OUT.password
  );
}
