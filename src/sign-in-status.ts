import type { Config } from './config.js';
import { parseAuthorization } from './foreman/credentials.js';
import { isSignedOut } from './signed-out.js';

/**
 * Whose credentials reach Foreman: each caller's own (`forwarding`), each caller's own or else the
 * demo admin's (`demo`, under `npm start` without FOREMAN_URL), or one account for everyone
 * (`service-account`).
 */
export type CredentialMode = 'forwarding' | 'demo' | 'service-account';

export function credentialMode(config: Config): CredentialMode {
  if (config.serviceAccount) return 'service-account';
  return config.fallbackAccount ? 'demo' : 'forwarding';
}

/** What GraphiQL shows of who you are; `login` is the one the browser sends, if any. */
export interface SignInStatus {
  login: string | null;
  mode: CredentialMode;
}

/**
 * Read from the request's own Authorization header alone: Foreman is not asked (the login was
 * checked when the browser signed in, and every query is checked again), and the password is not
 * part of the answer. A service account ignores callers' headers, so it names no login.
 */
export function signInStatus(
  authorization: string | undefined,
  mode: CredentialMode,
): SignInStatus {
  if (mode === 'service-account' || isSignedOut(authorization)) return { login: null, mode };
  const parsed = parseAuthorization(authorization);
  const login = parsed?.ok && parsed.credential.kind === 'basic' ? parsed.credential.login : null;
  return { login, mode };
}
