/** Credentials of one of the demo accounts. */
export interface DemoUser {
  login: string;
  password: string;
}

/** Sees and may do everything. */
export const DEMO_ADMIN: DemoUser = Object.freeze({ login: 'admin', password: 'changeme' });

/**
 * Read-only, limited to the Lab location, with a +02:00 user timezone. Like Foreman's built-in
 * Viewer role it may read the audit log, which no taxonomy or compute resource limits.
 */
export const DEMO_VIEWER: DemoUser = Object.freeze({ login: 'viewer', password: 'viewer' });

/** The admin's seeded personal access token, accepted as the Basic password (`admin:<token>`). */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

/** The viewer's seeded personal access token, accepted as the Basic password (`viewer:<token>`). */
export const DEMO_VIEWER_TOKEN = 'demo-viewer-token';

/** A demo account as Foreman would model it: role permissions, taxonomies and timezone. */
export interface DemoAccount {
  /** The users table id, audits' user_id. */
  id: number;
  login: string;
  /** User#to_label ("First Last"), what audits store as `username`. */
  fullName: string;
  admin: boolean;
  /** Timestamps are rendered in this fixed offset; 0 renders as "UTC". */
  utcOffsetMinutes: number;
  permissions: ReadonlySet<string>;
  /** Taxonomies a non-admin may see (Taxonomix); ignored for admins. */
  locationIds: readonly number[];
  organizationIds: readonly number[];
}

/** What an account signs in with, as seeded. */
interface Credentials {
  password: string;
  /** Personal access tokens, accepted as the Basic password. */
  tokens: readonly string[];
  account: DemoAccount;
}

/** An account's sign-in state while the demo runs: changed by DemoAccountChanges. */
interface LiveCredentials {
  password: string;
  /** Active tokens; a revoked one is simply gone (Foreman keeps it, marked revoked). */
  tokens: Set<string>;
  /** users.disabled: the secret still authenticates, but authorize refuses the request. */
  disabled: boolean;
  account: DemoAccount;
}

const READ_PERMISSIONS = [
  'view_architectures',
  'view_operatingsystems',
  'view_compute_resources',
  'view_images',
  'view_audit_logs',
];

const ADMIN_ACCOUNT: Credentials = {
  password: DEMO_ADMIN.password,
  tokens: [DEMO_ADMIN_TOKEN],
  account: {
    id: 4,
    login: DEMO_ADMIN.login,
    fullName: 'Admin User',
    admin: true,
    utcOffsetMinutes: 0,
    permissions: new Set(),
    locationIds: [],
    organizationIds: [],
  },
};

const VIEWER_ACCOUNT: Credentials = {
  password: DEMO_VIEWER.password,
  tokens: [DEMO_VIEWER_TOKEN],
  account: {
    id: 5,
    login: DEMO_VIEWER.login,
    fullName: 'Vera Viewer',
    admin: false,
    utcOffsetMinutes: 120,
    permissions: new Set(READ_PERMISSIONS),
    locationIds: [2],
    organizationIds: [1],
  },
};

const BUILT_IN: readonly Credentials[] = [ADMIN_ACCOUNT, VIEWER_ACCOUNT];

/** The first extra user's users-table id: right after the viewer's. */
const FIRST_EXTRA_ID = 6;
/** Enough for any benchmark; a typo such as 1e9 should fail, not build a huge table. */
const MAX_EXTRA_USERS = 100_000;

/**
 * `user<n>` / `user<n>` (n = 1, 2, …): read-only accounts like the viewer (same permissions,
 * view_audit_logs included, same taxonomies and timezone), so that a benchmark can have many
 * callers that share no credentials, each of which the gateway must treat as its own.
 */
export function extraUser(n: number): DemoUser {
  return { login: `user${n}`, password: `user${n}` };
}

function extraAccount(n: number): Credentials {
  const { login, password } = extraUser(n);
  return {
    password,
    tokens: [],
    account: {
      ...VIEWER_ACCOUNT.account,
      id: FIRST_EXTRA_ID + n - 1,
      login,
      fullName: `Demo User${n}`,
    },
  };
}

/**
 * A successful Basic authentication. `disabled` accounts authenticate too (User.try_to_login
 * does not look at the flag); Foreman's authorize refuses them right after.
 */
export type AuthResult =
  | { ok: true; account: DemoAccount; disabled: boolean }
  | { ok: false; login: string };

/**
 * One demo upstream's users table: the admin and the viewer, plus `extraUsers` accounts made by
 * extraUser(). Each upstream has its own, so two demos in one process never see each other's.
 * Passwords, tokens and the disabled flag can change while the demo runs (DemoAccountChanges);
 * reset() restores the seeded ones.
 */
export class DemoAccounts {
  readonly #extraUsers: number;
  readonly #byLogin = new Map<string, LiveCredentials>();
  readonly #byId = new Map<number, DemoAccount>();

  constructor(extraUsers = 0) {
    if (!Number.isSafeInteger(extraUsers) || extraUsers < 0 || extraUsers > MAX_EXTRA_USERS) {
      throw new RangeError(
        `extraUsers must be an integer from 0 to ${MAX_EXTRA_USERS}, got ${extraUsers}`,
      );
    }
    this.#extraUsers = extraUsers;
    this.reset();
  }

  /**
   * HTTP Basic as Foreman's SSO::Basic reads it. Anything else (no header, Bearer, garbage) is
   * treated as "no credentials", which Foreman reports with an empty login. The secret is the
   * password or one of the user's active personal access tokens; an empty one never matches
   * (User.try_to_login refuses empty passwords).
   */
  authenticate(header: string | undefined): AuthResult {
    const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match?.[1]) return { ok: false, login: '' };
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, login: decoded };
    const login = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    const entry = this.#byLogin.get(login);
    if (entry && secret !== '' && (entry.password === secret || entry.tokens.has(secret))) {
      return { ok: true, account: entry.account, disabled: entry.disabled };
    }
    return { ok: false, login };
  }

  /** The demo account with this login, or undefined. */
  byLogin(login: string): DemoAccount | undefined {
    return this.#byLogin.get(login)?.account;
  }

  /** The demo account with this users-table id, or undefined (a deleted user). */
  byId(id: number | null): DemoAccount | undefined {
    return id === null ? undefined : this.#byId.get(id);
  }

  addToken(login: string, token: string): void {
    requireSecret('token', token);
    this.#live(login).tokens.add(token);
  }

  revokeToken(login: string, token: string): boolean {
    return this.#live(login).tokens.delete(token);
  }

  changePassword(login: string, password: string): void {
    requireSecret('password', password);
    this.#live(login).password = password;
  }

  disable(login: string): void {
    this.#live(login).disabled = true;
  }

  removePermission(login: string, permission: string): void {
    const entry = this.#live(login);
    if (entry.account.admin) {
      throw new RangeError(`'${login}' is an admin: it has every permission`);
    }
    // A copy: the seeded account (and its permission set) is shared by every demo in the process.
    const permissions = new Set(entry.account.permissions);
    permissions.delete(permission);
    entry.account = { ...entry.account, permissions };
    this.#byId.set(entry.account.id, entry.account);
  }

  enable(login: string): void {
    this.#live(login).disabled = false;
  }

  /** Back to the seeded passwords and tokens, every account enabled. */
  reset(): void {
    this.#byLogin.clear();
    this.#byId.clear();
    const extra = Array.from({ length: this.#extraUsers }, (_, index) => extraAccount(index + 1));
    for (const seeded of [...BUILT_IN, ...extra]) {
      this.#byLogin.set(seeded.account.login, {
        password: seeded.password,
        tokens: new Set(seeded.tokens),
        disabled: false,
        account: seeded.account,
      });
      this.#byId.set(seeded.account.id, seeded.account);
    }
  }

  #live(login: string): LiveCredentials {
    const entry = this.#byLogin.get(login);
    if (!entry) throw new UnknownDemoUserError(login);
    return entry;
  }
}

/** A change named a login the demo does not have. */
export class UnknownDemoUserError extends Error {
  override readonly name = 'UnknownDemoUserError';

  constructor(readonly login: string) {
    super(`no demo user '${login}'`);
  }
}

function requireSecret(what: string, value: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new RangeError(`a ${what} must be a non-empty string`);
  }
}

export function hasPermission(account: DemoAccount, permission: string): boolean {
  return account.admin || account.permissions.has(permission);
}
