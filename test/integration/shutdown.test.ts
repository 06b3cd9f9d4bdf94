import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { basicAuth } from '../helpers/harness.js';

let demo: DemoUpstream;
let gateway: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  demo = await startDemoUpstream();
});

afterAll(async () => {
  if (gateway?.exitCode === null && gateway.pid) process.kill(gateway.pid, 'SIGKILL');
  await demo.close();
});

describe('the gateway process', () => {
  it('on SIGTERM stops accepting, finishes in-flight requests, then exits 0', async () => {
    const port = await freePort();
    // `node --import tsx` keeps one process, so the pid we signal is the gateway itself.
    gateway = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        FOREMAN_URL: demo.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = gateway;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    await expect
      .poll(() => output.includes('GraphQL gateway ready'), { timeout: 15_000, interval: 50 })
      .toBe(true);

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
    expect(output).toContain('stopping: no new connections, finishing in-flight requests');
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('refuses to start on bad configuration, with one line naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, FOREMAN_URL: 'not a url', PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'foreman-images-graphql: configuration error: FOREMAN_URL must be an absolute http(s) URL, got "not a url"',
    );
  });
});
