import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { track } from './children.js';
import { freePort } from './server-process.js';

/**
 * Debian's redis-server as a child of the bench, for replicas sharing announcements: on a free
 * port of 127.0.0.1, without persistence, tracked by children.ts (so killed by pid if the bench
 * ends early). test/helpers/processes.ts has the tests' own, which the bench cannot track.
 */
export interface RedisProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A missing binary is an 'error' event, not an exit: without a listener it would be thrown.
  let failure: Error | undefined;
  child.once('error', (error) => {
    failure = error;
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    // Only the start-up lines matter (why it would not start); redis logs little after that.
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || failure) return;
    child.kill('SIGTERM');
    const timeout = sleep(10_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + 10_000;
  while (!output.includes('Ready to accept connections')) {
    if (failure || child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `redis-server did not start: ${failure?.message ?? (output.slice(-2_000) || '(no output)')}`,
      );
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid as number, stop };
}
