import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MachineInfo } from './machine.js';

/** What the benches' Markdown reports share. */

/** Outside the repository: `biome check .` would lint a JSON report written inside it. */
export const DEFAULT_OUT_DIR = path.join(os.tmpdir(), 'foreman-images-graphql-bench');

/** Writes `markdown` to <outDir>/<fileName> and to stdout; returns the file's path. */
export function writeReport(outDir: string, fileName: string, markdown: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, fileName);
  writeFileSync(file, markdown);
  process.stdout.write(markdown);
  return file;
}

/** Progress goes to stderr: stdout is the report. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** One line on the machine and how busy it was (it is shared: read ratios, not absolutes). */
export function describeMachineLine(machine: MachineInfo): string {
  return `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverage.start.toFixed(2)} at start, ${(machine.loadAverage.end ?? os.loadavg()[0] ?? Number.NaN).toFixed(2)} at end.`;
}

/** A measurement's result, or why it failed (the others still mean something). */
export type Outcome<T> =
  | { ok: true; value: T; seconds: number }
  | { ok: false; error: string; seconds: number };

/** Runs one measurement; a failure is reported (first line of its message), not thrown. */
export async function attempt<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>> {
  progress(label);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    return { ok: true, value: await run(), seconds: seconds() };
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0] ?? String(error);
    progress(`${label} failed: ${message}`);
    return { ok: false, error: message, seconds: seconds() };
  }
}

const PINO_LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * What gateway children wrote at warn level or above (as foreman-process.ts keeps it, at most
 * 20 KB), summed up: `16× error "Unable to authenticate user admin"`, each distinct message with
 * its level and count. Lines that are not pino's JSON are quoted as they are.
 */
export function summarizeOutput(output: string): string {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    let key: string;
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        msg?: string;
        err?: { message?: string };
      };
      const level = PINO_LEVELS[entry.level ?? 0] ?? `level ${entry.level}`;
      key = `${level} "${(entry.err?.message ?? entry.msg ?? '').slice(0, 160)}"`;
    } catch {
      // The last line kept may be JSON cut at the 20 KB limit.
      key = line.startsWith('{"level"') ? '(a line cut at the limit)' : `"${line.slice(0, 160)}"`;
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count}× ${escapeCell(key)}`).join('; ');
}

/** The report's last section: what each named gateway child wrote at warn level or above. */
export function gatewayOutputSection(
  outputs: ReadonlyArray<{ gateway: string; output: string }>,
): string[] {
  const noisy = outputs.filter(({ output }) => output.trim() !== '');
  return [
    '## Gateway output at warn level or above',
    '',
    'Distinct messages of the lines kept (at most 20 KB per child), with their counts.',
    '',
    ...(noisy.length === 0
      ? ['None.']
      : noisy.map(({ gateway, output }) => `- ${gateway}: ${summarizeOutput(output)}`)),
  ];
}

export function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
