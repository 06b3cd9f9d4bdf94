/**
 * What gateway children wrote at warn level or above (as server-process.ts keeps it), summed up
 * for a Markdown report; shared by `bench:safety` and `bench:live`.
 */

const PINO_LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * `16× error "Unable to authenticate user admin"`: each distinct message with its level and
 * count. server-process.ts keeps at most 20 KB of a child's output, so the counts are of the
 * lines kept, not of all the child wrote. Lines that are not pino's JSON are quoted as they are.
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

export function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
