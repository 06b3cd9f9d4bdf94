import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadBenchConfig } from './config.js';
import { type BenchReport, REPORT_FORMAT, renderMarkdown } from './report.js';

/**
 * Re-renders a saved run's latest.json as Markdown (after a change to the report's layout, without
 * measuring again): `tsx bench/render.ts [latest.json] > bench/RESULTS.md`.
 */
const file = process.argv[2] ?? path.join(loadBenchConfig([]).outDir, 'latest.json');
const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
if (report.format !== REPORT_FORMAT) {
  process.stderr.write(
    `render: ${file} is in format ${report.format ?? 1}, this bench renders format ${REPORT_FORMAT} only (measure again)\n`,
  );
  process.exit(2);
}
const markdown = renderMarkdown(report);
if (process.argv[3]) writeFileSync(process.argv[3], markdown);
else process.stdout.write(markdown);
