import { afterEach, describe, expect, it } from 'vitest';
import {
  DEMO_ADMIN,
  DEMO_ADMIN_TOKEN,
  DEMO_VIEWER,
  DEMO_VIEWER_TOKEN,
  type DemoUpstream,
  type DemoUser,
  startDemoUpstream,
  UnknownDemoUserError,
} from '../../src/demo/index.js';
import { type CallOptions, call, type ErrorJson, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream({ resetDataEachTest: true });

const LOOPBACK = '127.0.0.1';
const viewerWith = (password: string): DemoUser => ({ login: DEMO_VIEWER.login, password });
const unableFor = (login: string) => ({
  error: { message: `Unable to authenticate user ${login}` },
});
const DISABLED = {
  error: { message: 'User account is disabled, please contact your administrator' },
};

const get = (path: string, options: CallOptions = {}) => demo.call<ErrorJson>(path, options);

/** One request as `as`; the status, body, and how many failed logins it added. */
async function attempt(as: DemoUser, path = '/api/architectures') {
  const before = demo.upstream.failedLogins(LOOPBACK);
  const response = await get(path, { as });
  return {
    status: response.status,
    json: response.json,
    counted: demo.upstream.failedLogins(LOOPBACK) - before,
    foremanVersion: response.headers.get('foreman_version'),
  };
}

describe('personal access tokens', () => {
  it('accepts the viewer token as the Basic password, with the viewer’s permissions', async () => {
    expect(DEMO_VIEWER_TOKEN).toBe('demo-viewer-token');
    expect((await attempt(viewerWith(DEMO_VIEWER_TOKEN))).status).toBe(200);
    const write = await get('/api/compute_resources/1/images', {
      method: 'POST',
      as: viewerWith(DEMO_VIEWER_TOKEN),
      json: { image: {} },
    });
    expect(write.status).toBe(403);
    // A token is the viewer's own: another user's login with it fails.
    expect((await attempt({ login: 'admin', password: DEMO_VIEWER_TOKEN })).status).toBe(401);
  });

  it('a revoked token gets 401 and counts as a failed login; the rest keeps working', async () => {
    expect(demo.upstream.accounts.revokeToken('viewer', DEMO_VIEWER_TOKEN)).toBe(true);
    expect(await attempt(viewerWith(DEMO_VIEWER_TOKEN))).toEqual({
      status: 401,
      json: unableFor('viewer'),
      counted: 1,
      foremanVersion: null,
    });
    expect((await attempt(DEMO_VIEWER)).status).toBe(200);
    expect((await attempt({ login: 'admin', password: DEMO_ADMIN_TOKEN })).status).toBe(200);
    expect(demo.upstream.accounts.revokeToken('viewer', DEMO_VIEWER_TOKEN)).toBe(false);
  });

  it('adds tokens that work at once and can be revoked one by one', async () => {
    expect((await attempt(viewerWith('soak-token-1'))).status).toBe(401);
    demo.upstream.accounts.addToken('viewer', 'soak-token-1');
    demo.upstream.accounts.addToken('viewer', 'soak-token-2');
    expect((await attempt(viewerWith('soak-token-1'))).status).toBe(200);
    demo.upstream.accounts.revokeToken('viewer', 'soak-token-1');
    expect((await attempt(viewerWith('soak-token-1'))).counted).toBe(1);
    expect((await attempt(viewerWith('soak-token-2'))).status).toBe(200);
    expect((await attempt(viewerWith(DEMO_VIEWER_TOKEN))).status).toBe(200);
  });
});

describe('password changes', () => {
  it('refuses the old password as a failed login and accepts the new one', async () => {
    demo.upstream.accounts.changePassword('admin', 'changed-at-noon');
    expect(await attempt(DEMO_ADMIN)).toEqual({
      status: 401,
      json: unableFor('admin'),
      counted: 1,
      foremanVersion: null,
    });
    expect((await attempt({ login: 'admin', password: 'changed-at-noon' })).status).toBe(200);
    // Personal access tokens do not depend on the password.
    expect((await attempt({ login: 'admin', password: DEMO_ADMIN_TOKEN })).status).toBe(200);
  });
});

describe('disabled accounts', () => {
  it('answers the right secret with Foreman’s disabled 401, counting no failed login', async () => {
    demo.upstream.accounts.disable('viewer');
    demo.upstream.resetRequests();
    for (const secret of [DEMO_VIEWER.password, DEMO_VIEWER_TOKEN]) {
      expect(await attempt(viewerWith(secret))).toEqual({
        status: 401,
        json: DISABLED,
        counted: 0,
        foremanVersion: null,
      });
    }
    // Authentication itself succeeded, so the record names the user.
    expect(demo.upstream.requests.map((r) => [r.login, r.status])).toEqual([
      ['viewer', 401],
      ['viewer', 401],
    ]);
    // A wrong secret is still a failed authentication first.
    expect(await attempt(viewerWith('wrong'))).toMatchObject({
      json: unableFor('viewer'),
      counted: 1,
    });
    demo.upstream.accounts.enable('viewer');
    expect((await attempt(DEMO_VIEWER)).status).toBe(200);
  });
});

describe('permissions taken away', () => {
  it('answers 403 where the permission is needed, from the next request on', async () => {
    expect((await attempt(DEMO_VIEWER, '/api/audits')).status).toBe(200);
    demo.upstream.accounts.removePermission('viewer', 'view_audit_logs');
    const refused = await attempt(DEMO_VIEWER, '/api/audits');
    expect(refused).toMatchObject({ status: 403, counted: 0 });
    expect(refused.json).toMatchObject({
      error: { message: 'Access denied', missing_permissions: ['view_audit_logs'] },
    });
    // Its other permissions stay.
    expect((await attempt(DEMO_VIEWER, '/api/compute_resources/1/images')).status).toBe(200);
    demo.upstream.resetData();
    expect((await attempt(DEMO_VIEWER, '/api/audits')).status).toBe(200);
  });

  it('leaves every other demo in the process as it was, and an admin with every permission', async () => {
    const other = await startDemoUpstream();
    try {
      demo.upstream.accounts.removePermission('viewer', 'view_audit_logs');
      const status = await call(other, '/api/audits', { as: DEMO_VIEWER, defaultUser: DEMO_ADMIN });
      expect(status.status).toBe(200);
    } finally {
      await other.close();
    }
    expect(() => demo.upstream.accounts.removePermission('admin', 'view_audit_logs')).toThrow(
      RangeError,
    );
  });
});

describe('resetData', () => {
  it('restores the seeded passwords and tokens and enables every account', async () => {
    const accounts = demo.upstream.accounts;
    accounts.changePassword('admin', 'other');
    accounts.revokeToken('admin', DEMO_ADMIN_TOKEN);
    accounts.addToken('admin', 'extra-token');
    accounts.disable('viewer');
    demo.upstream.resetData();
    expect((await attempt(DEMO_ADMIN)).status).toBe(200);
    expect((await attempt({ login: 'admin', password: DEMO_ADMIN_TOKEN })).status).toBe(200);
    expect((await attempt({ login: 'admin', password: 'extra-token' })).status).toBe(401);
    expect((await attempt(DEMO_VIEWER)).status).toBe(200);
  });
});

describe('changes the demo refuses', () => {
  it('names an unknown login, and refuses an empty password or token', () => {
    const accounts = demo.upstream.accounts;
    expect(() => accounts.disable('ghost')).toThrow(UnknownDemoUserError);
    expect(() => accounts.revokeToken('ghost', 'x')).toThrow("no demo user 'ghost'");
    expect(() => accounts.changePassword('admin', '')).toThrow(RangeError);
    expect(() => accounts.addToken('admin', '')).toThrow(RangeError);
  });
});

describe('stale secrets and the lockout', () => {
  let own: DemoUpstream | undefined;
  afterEach(() => own?.close());

  it('locks the address once stale secrets reach the limit, like any failed login', async () => {
    own = await startDemoUpstream({ failedLoginLimit: 3, extraUsers: 1 });
    const upstream = own;
    const as = (user: DemoUser) =>
      call(upstream, '/api/status', { as: user, defaultUser: DEMO_ADMIN });
    upstream.accounts.revokeToken('viewer', DEMO_VIEWER_TOKEN);
    upstream.accounts.changePassword('user1', 'rotated');
    upstream.accounts.disable('admin');
    expect((await as(viewerWith(DEMO_VIEWER_TOKEN))).status).toBe(401);
    expect((await as({ login: 'user1', password: 'user1' })).status).toBe(401);
    // The disabled admin's right password is no failure: still two.
    expect((await as(DEMO_ADMIN)).json).toEqual(DISABLED);
    expect(upstream.failedLogins(LOOPBACK)).toBe(2);
    expect((await as({ login: 'user1', password: 'user1' })).status).toBe(401);
    const locked = await as({ login: 'user1', password: 'rotated' });
    expect(locked.json).toEqual({
      error: { message: 'Too many tries, please try again in a few minutes.' },
    });
  });
});
