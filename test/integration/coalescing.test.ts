import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Identical reads in flight at the same moment share one call to Foreman, across GraphQL
 * requests: the same credential, address and URL. Each request still leaves when it likes; the
 * last one leaving cancels the call.
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LIST = '{ images(computeResourceId: "1", first: 5) { nodes { name } } }';

/** A request whose client can go away: its answer, and the way to hang up. */
function cancellable(h: Harness, query: string, authorization: string) {
  const controller = new AbortController();
  const answer = fetch(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  }).then(
    (response) => response.json() as Promise<{ data?: unknown; errors?: unknown[] }>,
    () => 'hung up' as const,
  );
  return { answer, hangUp: () => controller.abort() };
}

async function untilInFlight(h: Harness, count: number) {
  await expect.poll(() => h.demo.inFlight).toBe(count);
}

describe('identical reads in flight share one call', () => {
  it('ten requests asking the same at once cost Foreman one call, and all get the answer', async () => {
    harness = await startHarness();
    const h = harness;
    h.demo.injectFault({ method: 'GET', path: '/api/compute_resources/1/images', delayMs: 300 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.query(LIST)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.data))).size).toBe(1);
    expect(answers[0]?.errors).toBeUndefined();
    expect(h.upstream().filter((r) => r.path === '/api/compute_resources/1/images')).toHaveLength(
      1,
    );
  });

  it('never shares between credentials: each sees what Foreman shows it', async () => {
    harness = await startHarness();
    const h = harness;
    h.demo.injectFault({
      method: 'GET',
      path: '/api/compute_resources/2/images',
      delayMs: 200,
      times: 2,
    });
    const query = '{ images(computeResourceId: "2", first: 5) { nodes { name } } }';
    const [admin, viewer] = await Promise.all([
      h.query(query, { as: DEMO_ADMIN }),
      h.query(query, { as: DEMO_VIEWER }),
    ]);
    // The viewer may not see compute resource 2; the admin may.
    expect(admin.errors).toBeUndefined();
    expect(viewer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(h.upstream().filter((r) => r.path === '/api/compute_resources/2/images')).toHaveLength(
      2,
    );
  });

  it('a request that leaves does not cancel the call for the others; the last one does', async () => {
    harness = await startHarness();
    const h = harness;
    const admin = basicAuth(DEMO_ADMIN);
    h.demo.injectFault({ method: 'GET', path: '/api/compute_resources/1/images', delayMs: 800 });
    const first = cancellable(h, LIST, admin);
    await untilInFlight(h, 1);
    const second = cancellable(h, LIST, admin);
    // Both wait on one call; the first hangs up, and the call goes on for the second.
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.hangUp();
    expect(await first.answer).toBe('hung up');
    const answer = await second.answer;
    expect(answer).toMatchObject({ data: { images: { nodes: expect.any(Array) } } });
    expect(h.upstream().filter((r) => r.path === '/api/compute_resources/1/images')).toHaveLength(
      1,
    );

    // Now both hang up: nobody waits any more, and the call is cancelled at once.
    h.resetCounts();
    h.demo.injectFault({ method: 'GET', path: '/api/compute_resources/1/images', delayMs: 30_000 });
    const third = cancellable(h, LIST, admin);
    await untilInFlight(h, 1);
    const fourth = cancellable(h, LIST, admin);
    await new Promise((resolve) => setTimeout(resolve, 100));
    third.hangUp();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // One of two left: still in flight.
    expect(h.demo.inFlight).toBe(1);
    fourth.hangUp();
    await untilInFlight(h, 0);
  });
});
