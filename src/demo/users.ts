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

interface Credentials {
  password: string;
  /** Personal access tokens, accepted as the Basic password. */
  tokens: readonly string[];
  account: DemoAccount;
}

const READ_PERMISSIONS = [
  'view_architectures',
  'view_operatingsystems',
  'view_compute_resources',
  'view_images',
  'view_audit_logs',
];

const ACCOUNTS: readonly Credentials[] = [
  {
    password: DEMO_ADMIN.password,
    tokens: ['demo-admin-token'],
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
  },
  {
    password: DEMO_VIEWER.password,
    tokens: [],
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
  },
];

export type AuthResult = { ok: true; account: DemoAccount } | { ok: false; login: string };

/**
 * HTTP Basic as Foreman's SSO::Basic reads it. Anything else (no header, Bearer, garbage) is
 * treated as "no credentials", which Foreman reports with an empty login.
 */
export function authenticate(header: string | undefined): AuthResult {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return { ok: false, login: '' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, login: decoded };
  const login = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const entry = ACCOUNTS.find((a) => a.account.login === login);
  if (entry && (entry.password === secret || entry.tokens.includes(secret))) {
    return { ok: true, account: entry.account };
  }
  return { ok: false, login };
}

export function hasPermission(account: DemoAccount, permission: string): boolean {
  return account.admin || account.permissions.has(permission);
}

/** The demo account with this login, or undefined. */
export function accountByLogin(login: string): DemoAccount | undefined {
  return ACCOUNTS.find((a) => a.account.login === login)?.account;
}

/** The demo account with this users-table id, or undefined (a deleted user). */
export function accountById(id: number | null): DemoAccount | undefined {
  return ACCOUNTS.find((a) => a.account.id === id)?.account;
}
