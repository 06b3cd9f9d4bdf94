import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What Linux's /proc says about a process the bench started: its memory (status) and the CPU time
 * of all its threads (stat). Every reader returns undefined where /proc is missing or the process
 * is gone, so a report on another system says "n/a" rather than failing.
 */

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (`getconf CLK_TCK`). */
export const CLOCK_TICKS_PER_SECOND: number | undefined = (() => {
  try {
    const ticks = Number(
      execFileSync('getconf', ['CLK_TCK'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
    return Number.isInteger(ticks) && ticks > 0 ? ticks : undefined;
  } catch {
    return undefined;
  }
})();

/** Current and peak resident set size, in KiB. */
export function readMemory(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const rssKiB = field('VmRSS');
  const hwmKiB = field('VmHWM');
  return Number.isFinite(rssKiB) && Number.isFinite(hwmKiB) ? { rssKiB, hwmKiB } : undefined;
}

/**
 * utime + stime of the whole process (every thread: V8's GC and compiler helpers too), in clock
 * ticks. Fields 14 and 15 of /proc/<pid>/stat; counted after the `)` that ends field 2, since the
 * command name in parentheses may itself contain spaces.
 */
export function readCpuTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After ") " come field 3 (state), 4, … so utime (14) and stime (15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** CPU a process used during one load run. */
export interface CpuUse {
  /** utime + stime over the run, in ms (resolution: one clock tick, 10 ms at 100 Hz). */
  ms: number;
  /** `ms` ÷ the run's successful requests (queries, for the direct and naive clients). */
  perRequestMs: number;
  /** `ms` ÷ the run's wall-clock ms: how many cores the process kept busy on average. */
  cores: number;
}

/** Reads the CPU counter now; `stop(completed)` reads it again and divides. */
export function measureCpu(pid: number): { stop(completed: number): CpuUse | undefined } {
  const ticksBefore = readCpuTicks(pid);
  const started = performance.now();
  return {
    stop: (completed) => {
      const ticksAfter = readCpuTicks(pid);
      const wallMs = performance.now() - started;
      if (
        CLOCK_TICKS_PER_SECOND === undefined ||
        ticksBefore === undefined ||
        ticksAfter === undefined
      ) {
        return undefined;
      }
      const ms = ((ticksAfter - ticksBefore) * 1000) / CLOCK_TICKS_PER_SECOND;
      return {
        ms,
        perRequestMs: completed > 0 ? ms / completed : Number.NaN,
        cores: wallMs > 0 ? ms / wallMs : Number.NaN,
      };
    },
  };
}

/** Samples a process's RSS every `everyMs` while a load runs; the maximum is the run's peak. */
export function sampleMemory(
  pid: number,
  everyMs = 50,
): { stop(): { peakRssKiB: number; hwmKiB: number } | undefined } {
  let peak = 0;
  let hwm = 0;
  const sample = () => {
    const memory = readMemory(pid);
    if (!memory) return;
    peak = Math.max(peak, memory.rssKiB);
    hwm = Math.max(hwm, memory.hwmKiB);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak > 0 ? { peakRssKiB: peak, hwmKiB: hwm } : undefined;
    },
  };
}
