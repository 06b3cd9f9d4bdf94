import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CLOCK_TICKS_PER_SECOND } from './proc.js';

export interface MachineInfo {
  /** CPUs this process may use (what `nproc` prints). */
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run started and ended: how noisy the shared machine was. */
  loadAverage: { start: number; end?: number };
  /** Unit of the CPU times read from /proc/<pid>/stat (`getconf CLK_TCK`). */
  clockTicksPerSecond?: number;
  /** The commit measured, and whether src/ had uncommitted changes (read-only git queries). */
  revision?: string;
}

export function describeMachine(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const fromProc = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (fromProc) cpuModel = fromProc.trim();
  } catch {
    // Not Linux: os.cpus() is the best there is.
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: { start: os.loadavg()[0] ?? 0 },
    ...(CLOCK_TICKS_PER_SECOND !== undefined
      ? { clockTicksPerSecond: CLOCK_TICKS_PER_SECOND }
      : {}),
    ...revision(),
  };
}

function revision(): { revision?: string } {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return { revision: `${commit}${dirty ? ' + uncommitted changes in src/' : ''}` };
  } catch {
    // Not a git checkout (an exported tree): nothing to say.
    return {};
  }
}
