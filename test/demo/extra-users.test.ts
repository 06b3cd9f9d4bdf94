import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ADMIN,
  DEMO_VIEWER,
  type DemoUpstream,
  type DemoUser,
  extraUser,
  startDemoUpstream,
} from '../../src/demo/index.js';
import { type CallOptions, call, type Envelope } from './helpers.js';

/**
 * `extraUsers`: many distinct read-only accounts (user1/user1, …) for benchmarks of callers that
 * share no credentials. Each is the viewer again under another login; without the option there
 * are none.
 */

let plain: DemoUpstream;
let withExtras: DemoUpstream;

beforeAll(async () => {
  [plain, withExtras] = await Promise.all([
    startDemoUpstream(),
    startDemoUpstream({ extraUsers: 3 }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), withExtras?.close()]);
});

const get = <T = Record<string, unknown>>(
  upstream: DemoUpstream,
  path: string,
  as: DemoUser,
  options: CallOptions = {},
) => call<T>(upstream, path, { ...options, as, defaultUser: DEMO_ADMIN });

const crNames = async (upstream: DemoUpstream, as: DemoUser) =>
  (await get<Envelope<{ name: string }>>(upstream, '/api/compute_resources', as)).json.results.map(
    (cr) => cr.name,
  );

describe('extra demo users', () => {
  it('names them user1/user1, user2/user2, …', () => {
    expect(extraUser(1)).toEqual({ login: 'user1', password: 'user1' });
    expect(extraUser(12)).toEqual({ login: 'user12', password: 'user12' });
  });

  it('there are none without the option', async () => {
    const response = await get(plain, '/api/status', extraUser(1));
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ error: { message: 'Unable to authenticate user user1' } });
  });

  it('creates exactly as many as asked, each signing in with its own password', async () => {
    for (const n of [1, 2, 3]) {
      expect((await get(withExtras, '/api/status', extraUser(n))).status).toBe(200);
    }
    expect((await get(withExtras, '/api/status', extraUser(4))).status).toBe(401);
    const wrong = { login: 'user2', password: 'user1' };
    expect((await get(withExtras, '/api/status', wrong)).status).toBe(401);
    withExtras.resetLockouts();
  });

  it('sees what the viewer sees, audits included', async () => {
    const viewerSees = await crNames(withExtras, DEMO_VIEWER);
    expect(await crNames(withExtras, extraUser(2))).toEqual(viewerSees);
    expect((await get(withExtras, '/api/compute_resources/2', extraUser(2))).status).toBe(404);
    const audits = await get<Envelope<unknown>>(
      withExtras,
      `/api/audits?search=${encodeURIComponent('type = image')}&per_page=1`,
      extraUser(2),
    );
    expect(audits.status).toBe(200);
    expect(audits.json.total).toBeGreaterThan(0);
  });

  it('may not write', async () => {
    const image = withExtras.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    const response = await get(
      withExtras,
      `/api/compute_resources/1/images/${image.id}`,
      extraUser(3),
      { method: 'PUT', json: { image: { name: 'not-allowed' } } },
    );
    expect(response.status).toBe(403);
  });

  it('each is a user of its own, whom audits name', async () => {
    const image = withExtras.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    const { audit } = withExtras.foremanUi.updateImage(
      image.id,
      { name: 'renamed-by-user3' },
      { user: 'user3' },
    );
    const shown = await get<{ user_name: string; user_id: number }>(
      withExtras,
      `/api/audits/${audit?.id}`,
      DEMO_ADMIN,
    );
    expect(shown.json).toMatchObject({ user_name: 'user3' });
    expect(shown.json.user_id).not.toBe(5);
    const mine = await get<Envelope<{ id: number }>>(
      withExtras,
      `/api/audits?search=${encodeURIComponent('user = current_user')}`,
      extraUser(3),
    );
    expect(mine.json.results.map((a) => a.id)).toEqual([audit?.id]);
    withExtras.resetData();
  });

  it('refuses a count that is not a small non-negative integer', async () => {
    for (const extraUsers of [-1, 1.5, Number.NaN, 1e9]) {
      await expect(startDemoUpstream({ extraUsers })).rejects.toThrow(RangeError);
    }
  });
});
