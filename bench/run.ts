import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchConfigError, loadBenchConfig, nonDefaultSettings } from './config.js';
import { describeMachine } from './machine.js';
import { type LatencyRun, measureLatency } from './measure.js';
import { planQueries } from './plan.js';
import { type BenchReport, REPORT_FORMAT, renderMarkdown } from './report.js';
import { prepareVariants } from './variants.js';

/**
 * `npm run bench`: the gateway against the demo upstream, per reference query and upstream
 * latency, next to a direct replay of its REST calls and a naive resolver model. Writes
 * <out>/latest.md (the RESULTS.md format) and <out>/latest.json; see bench/README.md.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let config: ReturnType<typeof loadBenchConfig>;
  try {
    config = loadBenchConfig(argv);
  } catch (error) {
    if (
      error instanceof BenchConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`bench: ${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const machine = describeMachine();
  const date = new Date().toISOString();
  // How to reproduce the figures: where they were written is this machine's business, not theirs;
  // a compiled gateway needs a build first.
  const reproduce = withoutOutputPath(argv);
  const command = [
    ...(config.gatewayEntry ? ['npm run build &&'] : []),
    ...nonDefaultSettings().filter((setting) => !setting.startsWith('BENCH_OUT=')),
    'npm run bench',
    ...(reproduce.length ? ['--', ...reproduce] : []),
  ].join(' ');

  progress(
    `bench: ${command} (queries ${config.queries.join(',')}, latencies ${config.latenciesMs.join(',')} ms)`,
  );
  // Before planning: a ref that names no commit should fail at once.
  let prepared: ReturnType<typeof prepareVariants>;
  try {
    prepared = prepareVariants(config.refs, progress);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const { variants, remove } = prepared;
  let plan: Awaited<ReturnType<typeof planQueries>>;
  const runs: LatencyRun[] = [];
  try {
    plan = await planQueries(config.queries);
    for (const [id, calls] of Object.entries(plan.calls)) {
      progress(
        `plan ${id}: ${calls.length} upstream calls in ${new Set(calls.map((c) => c.wave)).size} waves`,
      );
    }
    for (const latencyMs of config.latenciesMs) {
      runs.push(await measureLatency(latencyMs, plan, variants, config, progress));
    }
  } finally {
    remove();
  }
  machine.loadAverage.end = os.loadavg()[0] ?? 0;

  const report: BenchReport = {
    format: REPORT_FORMAT,
    date,
    command,
    durationS: (performance.now() - started) / 1000,
    machine,
    config,
    plan,
    variants,
    runs,
  };
  mkdirSync(config.outDir, { recursive: true });
  const markdown = renderMarkdown(report);
  writeFileSync(path.join(config.outDir, 'latest.md'), markdown);
  writeFileSync(path.join(config.outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(markdown);
  progress(
    `bench: done in ${report.durationS.toFixed(0)} s; wrote ${config.outDir}/latest.md and latest.json`,
  );
}

await main();

function withoutOutputPath(argv: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--out') index++;
    else if (!arg.startsWith('--out=')) kept.push(arg);
  }
  return kept;
}
