import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeCell, summarizeOutput } from './gateway-output.js';
import { describeMachine, type MachineInfo } from './machine.js';
import {
  drainGatewayOutput,
  FIGURES,
  type Figure,
  type GatewayOutput,
  type Row,
} from './safety-figures.js';
import { type GatewayVariant, prepareVariants } from './variants.js';

/**
 * `npm run bench:safety`: the hardening figures (failed logins, readiness probes, memory under
 * large documents and unread GraphiQL pages, upstream work after refused or abandoned requests, a
 * hung Foreman, shutdown) for the gateway BEFORE the hardening (a commit, checked out into a
 * temporary worktree by variants.ts) and AFTER (this working tree), in one run. Prints a Markdown
 * report and writes it to <out>/safety.md; see bench/README.md.
 */

interface SafetySettings {
  /** The commit (or any ref) measured as BEFORE. */
  before: string;
  /** Which figures to run, by number. */
  figures: Figure[];
  outDir: string;
}

const DEFAULT_BEFORE = 'f126ec6';

function loadSettings(argv: string[]): SafetySettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      before: { type: 'string' },
      figures: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const wanted = (values.figures ?? process.env.SAFETY_FIGURES ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = wanted.filter((id) => !FIGURES.some((figure) => figure.id === id));
  if (unknown.length > 0) {
    throw new Error(`--figures: no figure ${unknown.join(', ')} (there are 1–${FIGURES.length})`);
  }
  return {
    before: values.before ?? process.env.SAFETY_BEFORE ?? DEFAULT_BEFORE,
    figures: wanted.length === 0 ? [...FIGURES] : FIGURES.filter((f) => wanted.includes(f.id)),
    // Outside the repository, next to the other bench reports.
    outDir:
      values.out ?? process.env.BENCH_OUT ?? path.join(os.tmpdir(), 'foreman-images-graphql-bench'),
  };
}

/** One figure's rows for both sides, by label, in the order they were first reported. */
interface FigureResult {
  figure: Figure;
  before: Row[];
  after: Row[];
  seconds: number;
  /** What the gateway children wrote at warn level or above during this figure. */
  outputs: GatewayOutput[];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let settings: SafetySettings;
  try {
    settings = loadSettings(argv);
  } catch (error) {
    process.stderr.write(`bench:safety: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const machine = describeMachine();
  const date = new Date().toISOString();

  let prepared: ReturnType<typeof prepareVariants>;
  try {
    prepared = prepareVariants([settings.before], progress);
  } catch (error) {
    process.stderr.write(`bench:safety: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const before = prepared.variants[0] as GatewayVariant;
  const after: GatewayVariant = { label: 'AFTER (working tree)', cwd: process.cwd() };
  const results: FigureResult[] = [];
  try {
    for (const figure of settings.figures) {
      const figureStarted = performance.now();
      progress(`figure ${figure.id} (${figure.title}): BEFORE`);
      const beforeRows = await runSide(figure, before);
      progress(`figure ${figure.id}: AFTER`);
      const afterRows = await runSide(figure, after);
      results.push({
        figure,
        before: beforeRows,
        after: afterRows,
        seconds: (performance.now() - figureStarted) / 1000,
        outputs: drainGatewayOutput(),
      });
    }
  } finally {
    prepared.remove();
  }
  machine.loadAverage.end = os.loadavg()[0] ?? 0;

  const markdown = renderReport({
    date,
    command: ['npm run bench:safety', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    durationS: (performance.now() - started) / 1000,
    machine,
    before,
    results,
  });
  mkdirSync(settings.outDir, { recursive: true });
  const file = path.join(settings.outDir, 'safety.md');
  writeFileSync(file, markdown);
  process.stdout.write(markdown);
  progress(
    `bench:safety: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${file}`,
  );
}

/**
 * One figure on one side. A figure that fails (a child that would not start, an answer that never
 * came) is reported as such rather than ending the run: the other figures still mean something.
 * Its children and servers are stopped by the figure's own clean-up.
 */
async function runSide(figure: Figure, variant: GatewayVariant): Promise<Row[]> {
  try {
    return await figure.run(variant);
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0] ?? String(error);
    process.stderr.write(`figure ${figure.id} failed for ${variant.label}: ${message}\n`);
    return [['**failed**', message]];
  }
}

// ---------------------------------------------------------------------------------------------
// The report.

function renderReport(report: {
  date: string;
  command: string;
  durationS: number;
  machine: MachineInfo;
  before: GatewayVariant;
  results: FigureResult[];
}): string {
  const { machine, before } = report;
  const beforeName = `BEFORE \`${before.ref}\``;
  const lines = [
    '# Safety figures: before and after the hardening',
    '',
    `${report.date}, \`${report.command}\`, ${report.durationS.toFixed(0)} s.`,
    '',
    `- **BEFORE**: \`${before.ref}\` = ${before.commit?.slice(0, 10)} "${before.subject}"${before.lockfileDiffers ? " (its package-lock.json differs: it ran with the working tree's node_modules)" : ''}`,
    `- **AFTER**: the working tree${machine.revision ? ` (${machine.revision})` : ''}`,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverage.start.toFixed(2)} at start, ${(machine.loadAverage.end ?? Number.NaN).toFixed(2)} at end (shared machine: counts and times, not throughput).`,
    '- Each gateway is a child process (`node --import tsx src/main.ts` in its checkout, LOG_LEVEL=warn, forwarding callers’ credentials), with a fresh demo upstream (or hung server) in the bench process for every measurement; all on 127.0.0.1.',
    '',
    `| # | Figure | ${beforeName} | AFTER |`,
    '| --- | --- | --- | --- |',
  ];
  for (const result of report.results) {
    const labels = [...new Set([...result.before, ...result.after].map(([label]) => label))];
    const value = (rows: Row[], label: string) =>
      escapeCell(rows.find(([l]) => l === label)?.[1] ?? '—');
    labels.forEach((label, index) => {
      const figure = index === 0 ? `${result.figure.id}` : '';
      const title = index === 0 ? `**${result.figure.title}**: ${label}` : label;
      lines.push(
        `| ${figure} | ${escapeCell(title)} | ${value(result.before, label)} | ${value(result.after, label)} |`,
      );
    });
  }
  lines.push('', '## How each figure is measured', '');
  for (const { figure, seconds } of report.results) {
    lines.push(`${figure.id}. **${figure.title}** (${seconds.toFixed(0)} s). ${figure.method}`);
  }
  lines.push(
    '',
    '## Gateway output at warn level or above',
    '',
    'Distinct messages of the lines kept (at most 20 KB per child), with their counts.',
    '',
  );
  let none = true;
  for (const result of report.results) {
    for (const { variant, output } of result.outputs) {
      if (output.trim() === '') continue;
      none = false;
      lines.push(`- Figure ${result.figure.id}, ${variant}: ${summarizeOutput(output)}`);
    }
  }
  if (none) lines.push('None.');
  return `${lines.join('\n')}\n`;
}

await main();
