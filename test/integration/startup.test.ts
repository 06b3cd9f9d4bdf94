import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { freePort, spawnNode, startGatewayProcess } from '../helpers/processes.js';

/**
 * The process as `npm start` runs it: what it refuses before anything starts (one line each), and
 * what it loads. The demo Foreman (5.7k lines, with its own seed) is loaded only when it runs.
 */

let demo: DemoUpstream;
const scratch = mkdtempSync(join(tmpdir(), 'startup-'));

beforeAll(async () => {
  demo = await startDemoUpstream();
});

afterAll(async () => {
  await demo.close();
});

/** Runs the gateway to its exit (it is expected not to start); its stderr and exit code. */
async function failedStart(env: Record<string, string>, args: string[] = []) {
  const gateway = spawnNode([...args, '--import', 'tsx', 'src/main.ts'], {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  });
  const code = await gateway.exited;
  return { code, stdout: gateway.stdout(), stderr: gateway.stderr() };
}

describe('starting the gateway', () => {
  it('a port in use is one line, and nothing else starts (not even the demo)', async () => {
    const first = await startGatewayProcess({ FOREMAN_URL: demo.url });
    try {
      const second = await failedStart({ PORT: String(first.port) });
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(
        `foreman-images-graphql: configuration error: PORT ${first.port} on HOST 127.0.0.1 cannot be used (another program listens there): choose another PORT`,
      );
      expect(second.stdout).not.toContain('demo');
    } finally {
      first.kill();
    }
  });

  it('a persisted document that does not validate stops the start, named', async () => {
    const manifest = join(scratch, 'bad.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        good: '{ architectures { totalCount } }',
        typo: '{ architecturez { id } }',
      }),
    );
    const result = await failedStart({
      FOREMAN_URL: demo.url,
      PORT: String(await freePort()),
      PERSISTED_OPERATIONS_FILE: manifest,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^foreman-images-graphql: configuration error: PERSISTED_OPERATIONS_FILE: the document of "typo" is not valid against the schema: Cannot query field "architecturez"/,
    );
  });

  it('says how many persisted documents it loaded', async () => {
    const manifest = join(scratch, 'good.json');
    writeFileSync(
      manifest,
      JSON.stringify({ a: '{ architectures { totalCount } }', b: '{ __typename }' }),
    );
    const gateway = await startGatewayProcess({
      FOREMAN_URL: demo.url,
      PERSISTED_OPERATIONS_FILE: manifest,
    });
    try {
      expect(gateway.output()).toContain('persisted documents: 2 loaded; only these run');
    } finally {
      gateway.kill();
    }
  });

  it('with FOREMAN_URL set, loads no module of the demo Foreman', async () => {
    const loaded = join(scratch, 'modules.txt');
    writeFileSync(loaded, '');
    const gateway = await startGatewayProcess(
      { FOREMAN_URL: demo.url, RECORD_MODULES_TO: loaded },
      ['--import', './test/helpers/record-modules.mjs'],
    );
    try {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(200);
      const modules = readFileSync(loaded, 'utf8').split('\n');
      // The recording works: the gateway's own modules are there…
      expect(modules.some((url) => url.endsWith('/src/app.ts'))).toBe(true);
      // …and none of the demo's.
      expect(modules.filter((url) => url.includes('/src/demo/'))).toEqual([]);
    } finally {
      gateway.kill();
    }
  });

  it('without FOREMAN_URL, loads the demo and serves it', async () => {
    const loaded = join(scratch, 'demo-modules.txt');
    writeFileSync(loaded, '');
    const gateway = await startGatewayProcess({ RECORD_MODULES_TO: loaded }, [
      '--import',
      './test/helpers/record-modules.mjs',
    ]);
    try {
      expect(gateway.output()).toContain('serving the built-in demo Foreman');
      const modules = readFileSync(loaded, 'utf8').split('\n');
      expect(modules.some((url) => url.includes('/src/demo/'))).toBe(true);
    } finally {
      gateway.kill();
    }
  });
});
