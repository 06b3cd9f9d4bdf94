import os from 'node:os';
import { parseArgs } from 'node:util';
import { LOG_LEVELS } from '../src/config.js';
import {
  DEFAULT_INTERVAL_MS,
  elsewhere,
  idleRequests,
  type LiveContext,
  type OwnWritesResult,
  ownWrites,
  type RateResult,
  replicas,
  SHORT_INTERVAL_MS,
  SUBSCRIBER_COUNTS,
} from './live-figures.js';
import { describeMachine } from './machine.js';
import {
  attempt,
  DEFAULT_OUT_DIR,
  describeMachineLine,
  escapeCell,
  gatewayOutputSection,
  type Outcome,
  progress,
  writeReport,
} from './reporting.js';
import type { Latencies } from './stats.js';

/**
 * `npm run bench:live`: how fast the imageChanged subscription tells of changes and what idle
 * subscribers cost Foreman: latency of the gateway's own writes and of changes made in Foreman's
 * UI, upstream requests of idle subscribers sharing one credential or not, and latency between two
 * replicas sharing a Redis. Prints a Markdown report and writes it to <out>/live.md.
 */

const SECTIONS = ['own', 'elsewhere', 'idle', 'replicas'] as const;
type Section = (typeof SECTIONS)[number];

const argv = process.argv.slice(2);
let context: LiveContext;
let sections: Section[];
let outDir: string;
try {
  const { values } = parseArgs({
    args: argv,
    options: {
      writes: { type: 'string' },
      changes: { type: 'string' },
      window: { type: 'string' },
      sections: { type: 'string' },
      'gateway-log-level': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  // Bounded: every loop of the bench is.
  const integer = (flag: string, raw: string | undefined, fallback: number, max: number) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new Error(`--${flag} must be an integer from 1 to ${max}, got "${raw}"`);
    }
    return value;
  };
  const wanted = (values.sections ?? process.env.LIVE_SECTIONS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new Error(`--sections: no section ${unknown.join(', ')} (${SECTIONS.join(', ')})`);
  }
  const logLevel = values['gateway-log-level'] ?? process.env.BENCH_GATEWAY_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`--gateway-log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  context = {
    settings: {
      writes: integer('writes', values.writes ?? process.env.LIVE_WRITES, 20, 500),
      changes: integer('changes', values.changes ?? process.env.LIVE_CHANGES, 20, 200),
      windowS: integer('window', values.window ?? process.env.LIVE_WINDOW_S, 30, 600),
      logLevel,
    },
    outputs: [],
  };
  sections = wanted.length === 0 ? [...SECTIONS] : SECTIONS.filter((s) => wanted.includes(s));
  outDir = values.out ?? process.env.BENCH_OUT ?? DEFAULT_OUT_DIR;
} catch (error) {
  process.stderr.write(`bench:live: ${(error as Error).message}\n`);
  process.exit(2);
}

const { settings } = context;
const started = performance.now();
const machine = describeMachine();
const date = new Date().toISOString();

let own: Outcome<OwnWritesResult> | undefined;
const fromElsewhere: Array<{ intervalMs: number; outcome: Outcome<Latencies> }> = [];
const idle: Array<{ subscribers: number; shared: boolean; outcome: Outcome<RateResult> }> = [];
let betweenReplicas: Outcome<Latencies> | undefined;

if (sections.includes('own')) own = await attempt('own writes', () => ownWrites(context));
if (sections.includes('elsewhere')) {
  for (const intervalMs of [DEFAULT_INTERVAL_MS, SHORT_INTERVAL_MS]) {
    const outcome = await attempt(`changes in Foreman's UI, every ${intervalMs} ms`, () =>
      elsewhere(context, intervalMs),
    );
    fromElsewhere.push({ intervalMs, outcome });
  }
}
if (sections.includes('idle')) {
  for (const shared of [true, false]) {
    for (const subscribers of SUBSCRIBER_COUNTS) {
      const label = `${subscribers} idle subscriber(s), ${shared ? 'one credential' : 'one credential each'}`;
      const outcome = await attempt(label, () => idleRequests(context, subscribers, shared));
      idle.push({ subscribers, shared, outcome });
    }
  }
}
if (sections.includes('replicas')) {
  betweenReplicas = await attempt('two replicas with Redis', () => replicas(context));
}
machine.loadAverage.end = os.loadavg()[0] ?? 0;

// ---------------------------------------------------------------------------------------------
// The report.

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '—');
const perMinute = (count: number, seconds: number) => ((count * 60) / seconds).toFixed(1);
const latencyCells = (l: Latencies) =>
  `${l.n} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.max)} | ${ms(l.min)}`;
const failed = (outcome: { error: string }) => `**failed**: ${escapeCell(outcome.error)}`;
const took = (outcome: { seconds: number }) => `(${outcome.seconds.toFixed(0)} s)`;

const lines = [
  '# Live changes: latency and upstream cost',
  '',
  `${date}, \`${['npm run bench:live', ...(argv.length ? ['--', ...argv] : [])].join(' ')}\`, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  '',
  `- Gateway: the working tree${machine.revision ? ` (${machine.revision})` : ''}, each set-up a fresh child process (\`node --import tsx src/main.ts\`, LOG_LEVEL=${settings.logLevel}, SHUTDOWN_GRACE_MS=1000, callers' credentials forwarded, otherwise default settings unless a section says so) over a fresh demo upstream in the bench process; all on 127.0.0.1.`,
  `- ${describeMachineLine(machine)}`,
  '- Times are `performance.now()` of the bench process, which runs the demo upstream and every subscriber; an event is timed when its SSE chunk is parsed. Percentiles are nearest-rank.',
  '',
];

if (own) {
  lines.push(
    '## 1. The gateway’s own writes',
    '',
    `One subscriber (admin); ${settings.writes} \`updateImage\` mutations through the gateway, one after the other (each sent once the previous event arrived), each with its own \`x-request-id\`. Timed from the mutation’s HTTP answer (body read) to its event.`,
    '',
  );
  if (own.ok) {
    lines.push(
      '| | n | p50 | p95 | max | min |',
      '| --- | --- | --- | --- | --- | --- |',
      `| answer → event | ${latencyCells(own.value.event)} |`,
      `| (the mutation itself: sent → answer) | ${latencyCells(own.value.answer)} |`,
      '',
      took(own),
      '',
    );
  } else lines.push(failed(own), '');
}

if (fromElsewhere.length > 0) {
  lines.push(
    '## 2. Changes made elsewhere (Foreman’s UI, read from the audit log)',
    '',
    `One subscriber (admin); ${settings.changes} renames with \`demo.foremanUi.updateImage\` (audit row only, no API request), each after a pause drawn uniformly from [0, interval) once the previous event arrived: an event comes right after a poll, so each change falls at a uniformly random point of the polling cycle, and the expected delay is about half an interval. Timed from the change to its event. ${DEFAULT_INTERVAL_MS} ms is AUDIT_POLL_INTERVAL_MS left unset (the default); ${SHORT_INTERVAL_MS} ms is set.`,
    '',
    '| AUDIT_POLL_INTERVAL_MS | n | p50 | p95 | max | min |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const { intervalMs, outcome } of fromElsewhere) {
    const label = `${intervalMs}${intervalMs === DEFAULT_INTERVAL_MS ? ' (default)' : ''}`;
    lines.push(
      outcome.ok
        ? `| ${label} | ${latencyCells(outcome.value)} |`
        : `| ${label} | ${failed(outcome)} | | | | |`,
    );
  }
  lines.push('');
}

if (idle.length > 0) {
  lines.push(
    '## 3. Upstream requests of idle subscribers',
    '',
    `No change anywhere; AUDIT_POLL_INTERVAL_MS at its default (${DEFAULT_INTERVAL_MS} ms). "One credential": every subscriber is the viewer; "one each": user1 … userN (\`extraUsers\`, the viewer’s equals). Requests are those the demo upstream received (\`demo.requests\`, recorded on arrival). **Set-up**: from the first subscription until every tail had answered its first audit request, plus 0.5 s. **Window**: the next ${settings.windowS} s, measured at the default interval; **/min** is the window’s count × 60 / ${settings.windowS} (nothing extrapolated from another interval). Each tail polls ${(60_000 / DEFAULT_INTERVAL_MS).toFixed(0)} times a minute, so one credential should cost ${(60_000 / DEFAULT_INTERVAL_MS).toFixed(0)} audit requests/min; a ${settings.windowS} s window holds ${(settings.windowS * 1000) / DEFAULT_INTERVAL_MS} polls per tail ± 1 (where the window cuts its cycle). **Poll errors**: \`live_audit_polls_total{outcome="error"}\` at the window's end (0 for a count that means something). **One change**: then one rename in Foreman’s UI (compute resource 1, which all of them may see): the time until every subscriber had its event, and the requests the demo received meanwhile, audits and others (the reads of the image and its compute resource each tail makes, with its own credentials, before telling it).`,
    '',
    '| Subscribers | Credentials | Set-up: audits / all | Window: audits / all | Audits /min | All /min | Poll errors | One change: to all in | One change: audits / other |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const limitNotes: string[] = [];
  for (const { subscribers, shared, outcome } of idle) {
    const who = shared ? 'one' : `one each (${subscribers})`;
    if (!outcome.ok) {
      lines.push(`| ${subscribers} | ${who} | ${failed(outcome)} | | | | | | |`);
      continue;
    }
    const r = outcome.value;
    if (r.perCallerLimit !== undefined) {
      limitNotes.push(
        `${subscribers} sharing one credential: MAX_SUBSCRIPTIONS_PER_CALLER=${r.perCallerLimit} (its default, 10, would refuse the 11th).`,
      );
    }
    const statuses = [r.setup, r.window, r.change.requests]
      .map((c) => c.otherStatuses)
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${subscribers}${r.perCallerLimit !== undefined ? ' ¹' : ''} | ${who} | ${r.setup.audits} / ${r.setup.all} | ${r.window.audits} / ${r.window.all} | ${perMinute(r.window.audits, r.windowS)} | ${perMinute(r.window.all, r.windowS)} | ${r.pollErrors} | ${ms(r.change.toAllMs)} | ${r.change.requests.audits} / ${r.change.requests.all - r.change.requests.audits}${statuses ? ` (non-200: ${statuses})` : ''} |`,
    );
  }
  lines.push('');
  for (const note of limitNotes) lines.push(`¹ ${note}`, '');
}

if (betweenReplicas) {
  lines.push(
    '## 4. Two replicas sharing a Redis',
    '',
    `Two gateway children with REDIS_URL of one redis-server (Debian’s, a child of the bench on a free port, no persistence) and a shared secret, default interval; an admin subscriber on each. ${settings.writes} \`updateImage\` mutations through A, one after the other (each once B told the previous one). Timed from the mutation’s answer to the event on B.`,
    '',
  );
  if (betweenReplicas.ok) {
    lines.push(
      '| | n | p50 | p95 | max | min |',
      '| --- | --- | --- | --- | --- | --- |',
      `| answer on A → event on B | ${latencyCells(betweenReplicas.value)} |`,
      '',
      took(betweenReplicas),
      '',
    );
  } else lines.push(failed(betweenReplicas), '');
}

lines.push(...gatewayOutputSection(context.outputs), '');
const file = writeReport(outDir, 'live.md', lines.join('\n'));
progress(
  `bench:live: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${file}`,
);
