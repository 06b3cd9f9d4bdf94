import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Real processes for tests that need them: the gateway as `npm start` runs it, and Debian's
 * redis-server. Each listens on a free port of 127.0.0.1 and is stopped by its pid.
 */

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything it wrote to stdout so far. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL if still running (for clean-up after a failed test). */
  kill(): void;
}

/** Node running `args` in a process of its own, its output kept as it comes. */
export function spawnNode(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    child,
    // 'close', not 'exit': 'exit' can come before the last output is read from the pipes.
    exited: new Promise<number | null>((resolve) => child.once('close', resolve)),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: () => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    },
  };
}

/** The gateway in its own process (`node --import tsx src/main.ts`); resolves once ready. */
export async function startGatewayProcess(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<GatewayProcess> {
  const port = await freePort();
  // `node --import tsx` keeps one process, so the pid we signal is the gateway itself.
  const gateway = spawnNode([...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  });
  const { child, exited, kill, stdout: output } = gateway;
  const deadline = Date.now() + 20_000;
  while (!output().includes('GraphQL gateway ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway did not start:\n${output()}`);
    }
    await sleep(50);
  }
  return { child, port, url: `http://127.0.0.1:${port}`, output, exited, kill };
}

export interface RedisProcess {
  url: string;
  /** Forgets everything (between tests). */
  flush(): Promise<void>;
  /** Whether it still runs (stop() ends it). */
  readonly running: boolean;
  stop(): Promise<void>;
}

/** Whether redis-server is installed (`.ci/run` installs it; suites needing it skip elsewhere). */
export const haveRedis = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some(existsSync);

/**
 * Debian's redis-server on a loopback port (a free one, or `port` to start it again where it
 * was: an outage and a restart with nothing kept, as the gateway sees them), with no persistence.
 */
export async function startRedis(port?: number): Promise<RedisProcess> {
  port ??= await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start:\n${output}`);
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    flush: () =>
      new Promise((resolve, reject) => {
        const cli = spawn('redis-cli', ['-p', String(port), 'FLUSHALL'], { stdio: 'ignore' });
        cli.once('exit', (code) => (code === 0 ? resolve() : reject(new Error('FLUSHALL failed'))));
      }),
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
