import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOG_LEVELS } from '../src/config.js';
import { escapeCell, summarizeOutput } from './gateway-output.js';
import {
  DEFAULT_INTERVAL_MS,
  type Deliveries,
  type ElsewhereResult,
  elsewhere,
  type GatewayOutput,
  idleRequests,
  type Latencies,
  type LiveContext,
  type LiveSettings,
  type OwnWritesResult,
  ownWrites,
  type RateResult,
  type ReplicasResult,
  replicas,
  SHORT_INTERVAL_MS,
  SUBSCRIBER_COUNTS,
} from './live-figures.js';
import { describeMachine, type MachineInfo } from './machine.js';

/**
 * `npm run bench:live`: what the imageChanged subscription costs and how fast it is. Latency of
 * the gateway's own writes and of changes made in Foreman's UI, upstream requests of idle
 * subscribers sharing one credential or not, and two replicas sharing a Redis. Prints a Markdown
 * report and writes it to <out>/live.md; see bench/README.md.
 */

const SECTIONS = ['own', 'elsewhere', 'idle', 'replicas'] as const;
type Section = (typeof SECTIONS)[number];

interface Settings extends LiveSettings {
  sections: Section[];
  outDir: string;
}

function loadSettings(argv: string[]): Settings {
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
    allowPositionals: false,
  });
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
  const logLevel =
    values['gateway-log-level'] ?? process.env.BENCH_GATEWAY_LOG_LEVEL ?? ('info' as string);
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`--gateway-log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    // Bounded: every loop of the bench is.
    writes: integer('writes', values.writes ?? process.env.LIVE_WRITES, 20, 500),
    changes: integer('changes', values.changes ?? process.env.LIVE_CHANGES, 20, 200),
    windowS: integer('window', values.window ?? process.env.LIVE_WINDOW_S, 30, 600),
    logLevel,
    sections: wanted.length === 0 ? [...SECTIONS] : SECTIONS.filter((s) => wanted.includes(s)),
    outDir:
      values.out ?? process.env.BENCH_OUT ?? path.join(os.tmpdir(), 'foreman-images-graphql-bench'),
  };
}

/** A measurement's result, or why it failed (the others still mean something). */
type Outcome<T> =
  | { ok: true; value: T; seconds: number }
  | { ok: false; error: string; seconds: number };

async function measure<T>(
  label: string,
  context: LiveContext,
  run: () => Promise<T>,
): Promise<Outcome<T>> {
  context.progress(label);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    return { ok: true, value: await run(), seconds: seconds() };
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0] ?? String(error);
    context.progress(`${label} failed: ${message}`);
    return { ok: false, error: message, seconds: seconds() };
  }
}

interface Results {
  own?: Outcome<OwnWritesResult>;
  elsewhere: Outcome<ElsewhereResult>[];
  idle: Array<{ subscribers: number; shared: boolean; outcome: Outcome<RateResult> }>;
  replicas?: Outcome<ReplicasResult>;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let settings: Settings;
  try {
    settings = loadSettings(argv);
  } catch (error) {
    process.stderr.write(`bench:live: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const context: LiveContext = { settings, progress, outputs: [] };
  const started = performance.now();
  const machine = describeMachine();
  const date = new Date().toISOString();
  const results: Results = { elsewhere: [], idle: [] };

  if (settings.sections.includes('own')) {
    results.own = await measure('own writes', context, () => ownWrites(context));
  }
  if (settings.sections.includes('elsewhere')) {
    for (const interval of [DEFAULT_INTERVAL_MS, SHORT_INTERVAL_MS]) {
      results.elsewhere.push(
        await measure(`changes in Foreman's UI, every ${interval} ms`, context, () =>
          elsewhere(context, interval),
        ),
      );
    }
  }
  if (settings.sections.includes('idle')) {
    for (const shared of [true, false]) {
      for (const subscribers of SUBSCRIBER_COUNTS) {
        const label = `${subscribers} idle subscriber(s), ${shared ? 'one credential' : 'one credential each'}`;
        const outcome = await measure(label, context, () =>
          idleRequests(context, subscribers, shared),
        );
        results.idle.push({ subscribers, shared, outcome });
      }
    }
  }
  if (settings.sections.includes('replicas')) {
    results.replicas = await measure('two replicas with Redis', context, () => replicas(context));
  }
  machine.loadAverage.end = os.loadavg()[0] ?? 0;

  const markdown = renderReport({
    date,
    command: ['npm run bench:live', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    durationS: (performance.now() - started) / 1000,
    machine,
    settings,
    results,
    outputs: context.outputs,
  });
  mkdirSync(settings.outDir, { recursive: true });
  const file = path.join(settings.outDir, 'live.md');
  writeFileSync(file, markdown);
  process.stdout.write(markdown);
  progress(
    `bench:live: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${file}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The report.

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '—');
const perMinute = (count: number, seconds: number) => ((count * 60) / seconds).toFixed(1);

function latencyCells(l: Latencies): string {
  return `${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.max)} | ${ms(l.min)}`;
}

function deliveryText(d: Deliveries): string {
  const parts = [`${d.once} of ${d.expected} exactly once`];
  if (d.missing) parts.push(`**${d.missing} never**`);
  if (d.repeated) parts.push(`**${d.repeated} more than once**`);
  if (d.other) parts.push(`**${d.other} other events**`);
  if (d.errors.length) parts.push(`**errors: ${d.errors.join('; ')}**`);
  return parts.join(', ');
}

function failed(outcome: { error: string }): string {
  return `**failed**: ${escapeCell(outcome.error)}`;
}

function renderReport(report: {
  date: string;
  command: string;
  durationS: number;
  machine: MachineInfo;
  settings: Settings;
  results: Results;
  outputs: GatewayOutput[];
}): string {
  const { machine, settings, results } = report;
  const lines = [
    '# Live changes: latency and upstream cost',
    '',
    `${report.date}, \`${report.command}\`, ${report.durationS.toFixed(0)} s.`,
    '',
    `- Gateway: the working tree${machine.revision ? ` (${machine.revision})` : ''}, each set-up a fresh child process (\`node --import tsx src/main.ts\`, LOG_LEVEL=${settings.logLevel}, SHUTDOWN_GRACE_MS=1000, callers' credentials forwarded, otherwise default settings unless a section says so) over a fresh demo upstream in the bench process; all on 127.0.0.1.`,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverage.start.toFixed(2)} at start, ${(machine.loadAverage.end ?? Number.NaN).toFixed(2)} at end.`,
    '- Times are `performance.now()` of the bench process, which runs the demo upstream and every subscriber; an event is timed when its SSE chunk is parsed. Percentiles are nearest-rank.',
    '',
  ];

  if (results.own) {
    lines.push(
      '## 1. The gateway’s own writes',
      '',
      `One subscriber (admin); ${settings.writes} \`updateImage\` mutations through the gateway, one after the other (each sent once the previous event arrived), each with its own \`x-request-id\`. Timed from the mutation’s HTTP answer (body read) to its event. Then the stream was watched for ${results.own.ok ? results.own.value.watchedMs : '—'} ms more, past the tail’s next poll, which reads the writes’ audit rows (they must not be told again).`,
      '',
    );
    const own = results.own;
    if (own.ok) {
      lines.push(
        '| | n | p50 | p95 | max | min |',
        '| --- | --- | --- | --- | --- | --- |',
        `| answer → event | ${own.value.event.n} | ${latencyCells(own.value.event)} |`,
        `| (the mutation itself: sent → answer) | ${own.value.answer.n} | ${latencyCells(own.value.answer)} |`,
        '',
        `Told: ${deliveryText(own.value.deliveries)}. (${own.seconds.toFixed(0)} s)`,
        '',
      );
    } else lines.push(failed(own), '');
  }

  if (results.elsewhere.length > 0) {
    lines.push(
      '## 2. Changes made elsewhere (Foreman’s UI, read from the audit log)',
      '',
      `One subscriber (admin); ${settings.changes} renames with \`demo.foremanUi.updateImage\` (audit row only, no API request), each after a pause drawn uniformly from [0, interval) once the previous event arrived: an event comes right after a poll, so each change falls at a uniformly random point of the polling cycle, and the expected delay is about half an interval. Timed from the change to its event. ${DEFAULT_INTERVAL_MS} ms is AUDIT_POLL_INTERVAL_MS left unset (the default); ${SHORT_INTERVAL_MS} ms is set.`,
      '',
      '| AUDIT_POLL_INTERVAL_MS | n | p50 | p95 | max | min | Told |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    const intervals = [DEFAULT_INTERVAL_MS, SHORT_INTERVAL_MS];
    results.elsewhere.forEach((outcome, index) => {
      const label = `${intervals[index]}${intervals[index] === DEFAULT_INTERVAL_MS ? ' (default)' : ''}`;
      if (outcome.ok) {
        const value = outcome.value;
        lines.push(
          `| ${label} | ${value.event.n} | ${latencyCells(value.event)} | ${deliveryText(value.deliveries)} |`,
        );
      } else lines.push(`| ${label} | ${failed(outcome)} | | | | | |`);
    });
    lines.push('');
  }

  if (results.idle.length > 0) {
    lines.push(
      '## 3. Upstream requests of idle subscribers',
      '',
      `No change anywhere; AUDIT_POLL_INTERVAL_MS at its default (${DEFAULT_INTERVAL_MS} ms). "One credential": every subscriber is the viewer; "one each": user1 … userN (\`extraUsers\`, the viewer’s equals). Requests are those the demo upstream received (\`demo.requests\`, recorded on arrival). **Set-up**: from the first subscription until every tail had answered its first audit request, plus 0.5 s. **Window**: the next ${settings.windowS} s, measured at the default interval; **/min** is the window’s count × 60 / ${settings.windowS} (nothing extrapolated from another interval). Each tail polls ${(60_000 / DEFAULT_INTERVAL_MS).toFixed(0)} times a minute, so one credential should cost ${(60_000 / DEFAULT_INTERVAL_MS).toFixed(0)} audit requests/min; a ${settings.windowS} s window holds ${(settings.windowS * 1000) / DEFAULT_INTERVAL_MS} polls per tail ± 1 (where the window cuts its cycle). **One change**: then one rename in Foreman’s UI (compute resource 1, which all of them may see): the time until every subscriber had its event, and the requests the demo received meanwhile, audits and others (the reads of the image and its compute resource each tail makes, with its own credentials, before telling it). **After**: every subscriber closed its stream; 1 s later, the requests of the next ${(1.5 * DEFAULT_INTERVAL_MS) / 1000} s (0: every tail stopped).`,
      '',
      '| Subscribers | Credentials | Open | Set-up: audits / all | Window: audits / all | Audits /min | All /min | Logins polling | Poll errors | Events in window | One change: to all in | One change: audits / other | After: audits / all | Open after |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    const limitNotes: string[] = [];
    for (const { subscribers, shared, outcome } of results.idle) {
      const who = shared ? 'one' : `one each (${subscribers})`;
      if (!outcome.ok) {
        lines.push(`| ${subscribers} | ${who} | ${failed(outcome)} | | | | | | | | | | | |`);
        continue;
      }
      const r = outcome.value;
      if (r.perCallerLimit !== undefined) {
        limitNotes.push(
          `${subscribers} sharing one credential: MAX_SUBSCRIPTIONS_PER_CALLER=${r.perCallerLimit} (its default, 10, would refuse the 11th).`,
        );
      }
      const statuses = [r.setup, r.window, r.change.requests, r.after]
        .map((c) => c.otherStatuses)
        .filter(Boolean)
        .join('; ');
      lines.push(
        `| ${subscribers}${r.perCallerLimit !== undefined ? ' ¹' : ''} | ${who} | ${r.open} | ${r.setup.audits} / ${r.setup.all} | ${r.window.audits} / ${r.window.all} | ${perMinute(r.window.audits, r.windowS)} | ${perMinute(r.window.all, r.windowS)} | ${r.loginsPolling} | ${r.pollErrors} | ${r.events} | ${ms(r.change.toAllMs)} | ${r.change.requests.audits} / ${r.change.requests.all - r.change.requests.audits} | ${r.after.audits} / ${r.after.all} | ${r.openAfter}${statuses ? ` (non-200: ${statuses})` : ''} |`,
      );
    }
    lines.push('');
    for (const note of limitNotes) lines.push(`¹ ${note}`, '');
  }

  if (results.replicas) {
    const outcome = results.replicas;
    lines.push(
      '## 4. Two replicas sharing a Redis',
      '',
      `Two gateway children with REDIS_URL of one redis-server (Debian’s, a child of the bench on a free port, no persistence), default interval; an admin subscriber on each. ${settings.writes} \`updateImage\` mutations through A, one after the other (each once B told the previous one). Timed from the mutation’s answer to the event on B. Then both streams were watched for ${outcome.ok ? outcome.value.watchedMs : '—'} ms more (each replica’s tail reads the audit rows of A’s writes).`,
      '',
    );
    if (outcome.ok) {
      const r = outcome.value;
      lines.push(
        '| | n | p50 | p95 | max | min |',
        '| --- | --- | --- | --- | --- | --- |',
        `| answer on A → event on B | ${r.event.n} | ${latencyCells(r.event)} |`,
        '',
        `Told on B: ${deliveryText(r.onB)}. Told on A: ${deliveryText(r.onA)}. (${outcome.seconds.toFixed(0)} s)`,
        '',
      );
    } else lines.push(failed(outcome), '');
  }

  lines.push('## Gateway output at warn level or above', '');
  const noisy = report.outputs.filter(({ output }) => output.trim() !== '');
  if (noisy.length === 0) lines.push('None.');
  for (const { gateway, output } of noisy) lines.push(`- ${gateway}: ${summarizeOutput(output)}`);
  return `${lines.join('\n')}\n`;
}

await main();
