import os from 'node:os';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine.js';
import {
  attempt,
  DEFAULT_OUT_DIR,
  describeMachineLine,
  escapeCell,
  gatewayOutputSection,
  progress,
  writeReport,
} from './reporting.js';
import { drainGatewayOutput, FIGURES, type Row } from './safety-figures.js';
import { type GatewayVariant, prepareVariants } from './variants.js';

/**
 * `npm run bench:safety`: what the hardening changed in memory under large documents and unread
 * GraphiQL pages, in the time a hung Foreman takes to be reported, and in shutdown, for the
 * gateway BEFORE it (a commit, checked out into a temporary worktree by variants.ts) and AFTER
 * (this working tree), in one run. Prints a Markdown report and writes it to <out>/safety.md.
 */

const DEFAULT_BEFORE = 'f126ec6';

const argv = process.argv.slice(2);
let settings: { before: string; figures: typeof FIGURES; outDir: string };
let prepared: ReturnType<typeof prepareVariants>;
try {
  const { values } = parseArgs({
    args: argv,
    options: { before: { type: 'string' }, figures: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const wanted = (values.figures ?? process.env.SAFETY_FIGURES ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = wanted.filter((id) => !FIGURES.some((figure) => figure.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `--figures: no figure ${unknown.join(', ')} (there are ${FIGURES.map((f) => f.id).join(', ')})`,
    );
  }
  settings = {
    before: values.before ?? process.env.SAFETY_BEFORE ?? DEFAULT_BEFORE,
    figures: wanted.length === 0 ? FIGURES : FIGURES.filter((f) => wanted.includes(f.id)),
    outDir: values.out ?? process.env.BENCH_OUT ?? DEFAULT_OUT_DIR,
  };
  prepared = prepareVariants([settings.before], progress);
} catch (error) {
  process.stderr.write(`bench:safety: ${(error as Error).message}\n`);
  process.exit(2);
}

const started = performance.now();
const machine = describeMachine();
const date = new Date().toISOString();
const before = prepared.variants[0] as GatewayVariant;
const after: GatewayVariant = { label: 'AFTER (working tree)', cwd: process.cwd() };

/** One side of a figure; a failure (a child that would not start…) is a row, not the end. */
async function side(figure: (typeof FIGURES)[number], variant: GatewayVariant): Promise<Row[]> {
  const outcome = await attempt(`figure ${figure.id} (${figure.title}): ${variant.label}`, () =>
    figure.run(variant),
  );
  return outcome.ok ? outcome.value : [['**failed**', outcome.error]];
}

const results: Array<{
  figure: (typeof FIGURES)[number];
  before: Row[];
  after: Row[];
  seconds: number;
}> = [];
const outputs: Array<{ gateway: string; output: string }> = [];
try {
  for (const figure of settings.figures) {
    const figureStarted = performance.now();
    const beforeRows = await side(figure, before);
    const afterRows = await side(figure, after);
    results.push({
      figure,
      before: beforeRows,
      after: afterRows,
      seconds: (performance.now() - figureStarted) / 1000,
    });
    for (const { gateway, output } of drainGatewayOutput()) {
      outputs.push({ gateway: `figure ${figure.id}, ${gateway}`, output });
    }
  }
} finally {
  prepared.remove();
}
machine.loadAverage.end = os.loadavg()[0] ?? 0;

const lines = [
  '# Safety figures: before and after the hardening',
  '',
  `${date}, \`${['npm run bench:safety', ...(argv.length ? ['--', ...argv] : [])].join(' ')}\`, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  '',
  `- **BEFORE**: \`${before.ref}\` = ${before.commit?.slice(0, 10)} "${before.subject}"${before.lockfileDiffers ? " (its package-lock.json differs: it ran with the working tree's node_modules)" : ''}`,
  `- **AFTER**: the working tree${machine.revision ? ` (${machine.revision})` : ''}`,
  `- ${describeMachineLine(machine)} The machine is shared: counts and times, not throughput.`,
  '- Each gateway is a child process (`node --import tsx src/main.ts` in its checkout, LOG_LEVEL=warn, forwarding callers’ credentials), with a fresh demo upstream (or hung server) in the bench process for every measurement; all on 127.0.0.1.',
  '',
  `| # | Figure | BEFORE \`${before.ref}\` | AFTER |`,
  '| --- | --- | --- | --- |',
];
for (const result of results) {
  const labels = [...new Set([...result.before, ...result.after].map(([label]) => label))];
  const value = (rows: Row[], label: string) =>
    escapeCell(rows.find(([l]) => l === label)?.[1] ?? '—');
  labels.forEach((label, index) => {
    const title = index === 0 ? `**${result.figure.title}**: ${label}` : label;
    lines.push(
      `| ${index === 0 ? result.figure.id : ''} | ${escapeCell(title)} | ${value(result.before, label)} | ${value(result.after, label)} |`,
    );
  });
}
lines.push('', '## How each figure is measured', '');
for (const { figure, seconds } of results) {
  lines.push(`${figure.id}. **${figure.title}** (${seconds.toFixed(0)} s). ${figure.method}`);
}
lines.push('', ...gatewayOutputSection(outputs), '');
const file = writeReport(settings.outDir, 'safety.md', lines.join('\n'));
progress(
  `bench:safety: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${file}`,
);
