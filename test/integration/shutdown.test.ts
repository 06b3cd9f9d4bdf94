import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { basicAuth } from '../helpers/harness.js';
import { type GatewayProcess, spawnNode, startGatewayProcess } from '../helpers/processes.js';

let demo: DemoUpstream;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  demo = await startDemoUpstream();
});

afterAll(async () => {
  gateway?.kill();
  await demo.close();
});

/** Starts the gateway as `npm start` would, on a free port, over the demo; resolves once ready. */
async function startGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  // No drain unless a test asks for one: the others are about what follows it.
  gateway = await startGatewayProcess({ FOREMAN_URL: demo.url, SHUTDOWN_DRAIN_MS: '0', ...env });
  return gateway;
}

describe('the gateway process', () => {
  it('on SIGTERM stops accepting, finishes in-flight requests, then exits 0', async () => {
    const started = await startGateway();
    const { child, port, exited } = started;

    demo.injectFault({ path: '/api/architectures', delayMs: 700 });
    const url = `http://127.0.0.1:${port}/graphql`;
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    await expect.poll(() => demo.requests.some((r) => r.path === '/api/architectures')).toBe(true);
    process.kill(child.pid as number, 'SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { architectures: { totalCount: 5 } } });
    expect(await exited).toBe(0);
    expect(started.output()).toContain(
      'stopping: no new connections, finishing in-flight requests',
    );
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('at the grace deadline, cancels upstream calls still running and exits 0 at once', async () => {
    const { child, port, exited } = await startGateway({ SHUTDOWN_GRACE_MS: '1000' });
    demo.resetRequests();
    demo.injectFault({ path: '/api/operatingsystems', delayMs: 10_000 });
    const inFlight = fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({ query: '{ operatingSystems { totalCount } }' }),
    }).then((response) => response.json());
    await expect
      .poll(() => demo.requests.some((r) => r.path === '/api/operatingsystems'))
      .toBe(true);
    const signalled = performance.now();
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toBe(0);
    // Within the grace period and a moment, not the 10 s the upstream call would have taken.
    expect(performance.now() - signalled).toBeLessThan(2_500);
    // The request in flight is answered, not dropped.
    expect(await inFlight).toMatchObject({
      errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE' } }],
    });
    demo.clearFaults();
  });

  it('idle keep-alive clients do not delay the exit', async () => {
    const { child, port, exited } = await startGateway();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const response = await undiciRequest(`http://127.0.0.1:${port}/healthz`, { dispatcher: agent });
    await response.body.dump();
    const signalled = performance.now();
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(1_000);
    await agent.close();
  });

  it('on SIGTERM first drains: /readyz answers 503 while queries are still served', async () => {
    const { child, port, exited, output } = await startGateway({ SHUTDOWN_DRAIN_MS: '1500' });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    process.kill(child.pid as number, 'SIGTERM');
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'draining' });
    const served = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    expect(await served.json()).toEqual({ data: { architectures: { totalCount: 5 } } });
    expect(await exited).toBe(0);
    expect(output()).toContain('stopping: draining');
  });

  it('ends Server-Sent Events subscriptions without `complete`, so clients reconnect', async () => {
    const { child, port, exited } = await startGateway({ AUDIT_POLL_INTERVAL_MS: '200' });
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: basicAuth(DEMO_ADMIN),
      },
      body: JSON.stringify({ query: 'subscription { imageChanged { foremanId } }' }),
    });
    let received = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        received += decoder.decode(chunk);
      }
    })().then(
      () => 'ended',
      () => 'broken',
    );
    await expect.poll(() => received.length).toBeGreaterThan(0);
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(['ended', 'broken']).toContain(await reading);
    expect(received).not.toContain('event: complete');
  });

  it('refuses to start on bad configuration, with one line naming the variable', async () => {
    const gateway = spawnNode(['--import', 'tsx', 'src/main.ts'], {
      FOREMAN_URL: 'not a url',
      PORT: '1',
    });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr().trim()).toBe(
      'foreman-images-graphql: configuration error: FOREMAN_URL must be an absolute http(s) URL, got "not a url"',
    );
  });
});
