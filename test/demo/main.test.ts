import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { demoOptionsFromEnv } from '../../src/demo/env-options.js';
import { spawnNode } from '../helpers/processes.js';
import { basic } from './helpers.js';

describe('npm run demo-upstream: environment', () => {
  it('keeps the defaults for unset or empty variables', () => {
    expect(demoOptionsFromEnv({})).toEqual({
      options: { host: '127.0.0.1', port: 0 },
      errors: [],
    });
    expect(demoOptionsFromEnv({ DEMO_SLOTS: '', DEMO_CONTROL: '', DEMO_HOST: '' }).options).toEqual(
      { host: '127.0.0.1', port: 0 },
    );
  });

  it('reads every option', () => {
    const env = {
      DEMO_HOST: '::1',
      DEMO_PORT: '3999',
      DEMO_LATENCY_MS: '25',
      DEMO_SLOTS: '64',
      DEMO_EXTRA_USERS: '200',
      DEMO_MAX_RECORDED_REQUESTS: '0',
      DEMO_CONTROL: 'true',
    };
    expect(demoOptionsFromEnv(env)).toEqual({
      options: {
        host: '::1',
        port: 3999,
        latencyMs: 25,
        maxConcurrentRequests: 64,
        extraUsers: 200,
        maxRecordedRequests: 0,
        control: true,
      },
      errors: [],
    });
    expect(demoOptionsFromEnv({ DEMO_CONTROL: 'false' }).options.control).toBeUndefined();
  });

  it('gives one line per bad variable, naming it, its range and the value', () => {
    const { errors } = demoOptionsFromEnv({
      DEMO_PORT: '65536',
      DEMO_LATENCY_MS: '5ms',
      DEMO_SLOTS: '0',
      DEMO_EXTRA_USERS: '1e3',
      DEMO_MAX_RECORDED_REQUESTS: '-1',
      DEMO_CONTROL: 'yes',
    });
    expect(errors).toEqual([
      "DEMO_PORT must be an integer from 0 to 65535 (a port; 0 picks a free one), got '65536'",
      "DEMO_LATENCY_MS must be an integer from 0 to 600000 (milliseconds added to every answer), got '5ms'",
      "DEMO_SLOTS must be an integer from 1 to 100000 (requests processed at once; Foreman has 32), got '0'",
      "DEMO_EXTRA_USERS must be an integer from 0 to 100000 (read-only users user1 … userN), got '1e3'",
      "DEMO_MAX_RECORDED_REQUESTS must be an integer from 0 to 10000000 (requests kept in the record), got '-1'",
      "DEMO_CONTROL must be true or false, got 'yes'",
    ]);
  });
});

/** `node --import tsx src/demo/main.ts`, one process, so its pid is the demo itself. */
function startMain(env: Record<string, string>) {
  return spawnNode(['--import', 'tsx', 'src/demo/main.ts'], env);
}

describe('npm run demo-upstream: the process', () => {
  it('refuses bad variables with one error line each, before listening', async () => {
    const main = startMain({ DEMO_SLOTS: 'many', DEMO_CONTROL: '1' });
    try {
      expect(await main.exited).toBe(1);
      expect(main.stderr().trim().split('\n')).toEqual([
        "DEMO_SLOTS must be an integer from 1 to 100000 (requests processed at once; Foreman has 32), got 'many'",
        "DEMO_CONTROL must be true or false, got '1'",
      ]);
      expect(main.stdout()).toBe('');
    } finally {
      main.kill();
    }
  });

  it('runs with its options and the control API, and stops on SIGTERM', async () => {
    const main = startMain({
      DEMO_HOST: '127.0.0.1',
      DEMO_PORT: '0',
      DEMO_CONTROL: 'true',
      DEMO_EXTRA_USERS: '2',
      DEMO_MAX_RECORDED_REQUESTS: '1',
    });
    try {
      const deadline = Date.now() + 20_000;
      // The two lines are two writes, which can reach the pipe apart: wait for the second.
      const started = () => /Control API at /.test(main.stdout());
      while (!started()) {
        if (main.child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`the demo did not start:\n${main.stdout()}${main.stderr()}`);
        }
        await sleep(50);
      }
      const url = /Foreman demo upstream at (http:\/\/127\.0\.0\.1:\d+)/.exec(main.stdout())?.[1];
      expect(url).toBeDefined();
      expect(main.stdout()).toContain(`Control API at ${url}/__demo/`);
      const status = await fetch(`${url}/api/status`, {
        headers: { authorization: basic({ login: 'user2', password: 'user2' }) },
      });
      expect(status.status).toBe(200);
      await fetch(`${url}/api/status`).then((r) => r.text());
      const counts = await fetch(`${url}/__demo/requests`).then((r) => r.json());
      expect(counts).toEqual({
        total: 2,
        byStatus: { '200': 1, '401': 1 },
        inFlight: 0,
        peakInFlight: 1,
      });
      if (main.child.pid) process.kill(main.child.pid, 'SIGTERM');
      expect(await main.exited).toBe(0);
    } finally {
      main.kill();
    }
  });
});
