import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type ServerProcess, startGatewayProcess } from './foreman-process.js';
import { ADMIN, postGraphQL } from './http.js';
import { loadGateway } from './load.js';
import { describeMachine } from './machine.js';
import { measureCpu } from './proc.js';
import { referenceQueries } from './queries.js';
import { DEFAULT_OUT_DIR, progress, writeReport } from './reporting.js';
import { median } from './stats.js';
import { type HookCost, measureHookCostApart } from './tracing-hooks.js';
import { startDemo } from './upstream.js';

/**
 * `npm run bench:tracing`: what tracing costs. The same gateway three times, as child processes
 * against one demo upstream: without OTEL_* (off), exporting every trace over OTLP/HTTP protobuf
 * to a sink on 127.0.0.1 (on), and with an endpoint but OTEL_TRACES_SAMPLER=always_off (spans
 * made and traceparent sent, nothing recorded or exported: the floor of tracing being on). Short
 * runs of each in turn (autocannon, closed loop), so a busy shared machine weighs on all alike;
 * ratios to "off" from the same run. Writes <out>/tracing.md; see bench/README.md.
 */

/** A little more than the batch span processor's default delay (OTEL_BSP_SCHEDULE_DELAY, 5 s). */
const BATCH_DELAY_MS = 5_500;

interface Settings {
  queries: string[];
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  gatewayEntry: string | undefined;
  outDir: string;
}

function settings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      queries: { type: 'string', default: 'R0,R2' },
      rounds: { type: 'string', default: '10' },
      duration: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '10' },
      'gateway-entry': { type: 'string' },
      out: { type: 'string', default: DEFAULT_OUT_DIR },
    },
  });
  const count = (name: string, value: string, min: number) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new Error(`--${name} must be a whole number from ${min}, got "${value}"`);
    }
    return parsed;
  };
  return {
    queries: values.queries.split(',').map((id) => id.trim()),
    rounds: count('rounds', values.rounds, 1),
    durationS: count('duration', values.duration, 1),
    warmupS: count('warmup', values.warmup, 0),
    connections: count('connections', values.connections, 1),
    gatewayEntry: values['gateway-entry'],
    outDir: values.out,
  };
}

/** A collector stand-in: reads each export whole, answers 200, counts requests and bytes. */
async function startSink(): Promise<{
  url: string;
  received(): { exports: number; bytes: number };
  close(): Promise<void>;
}> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      exports += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => ({ exports, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Sample {
  perSecond: number;
  cpuMsPerRequest: number;
  p50: number;
  p99: number;
  failed: number;
  exportBytesPerRequest: number;
}

async function main(): Promise<void> {
  const config = settings(process.argv.slice(2));
  const machine = describeMachine();
  const started = performance.now();
  const authorization = ADMIN;
  const queries = referenceQueries([]).filter((query) => config.queries.includes(query.id));
  if (queries.length === 0 || queries.some((query) => query.id === 'R4')) {
    throw new Error('--queries takes R0 to R3');
  }

  const demo = await startDemo();
  const sink = await startSink();
  const variants: Array<{ name: string; env: Record<string, string> }> = [
    { name: 'off', env: {} },
    { name: 'on', env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
    {
      name: 'on, sampled out',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_off' },
    },
  ];
  const hookCosts: HookCost[] = [];
  const gateways = new Map<string, ServerProcess>();
  const samples = new Map<string, Sample>();
  try {
    // R0 asks Foreman once, R2 three times.
    for (const calls of [1, 3]) {
      hookCosts.push(await measureHookCostApart(sink.url, calls));
      progress(`hooks with ${calls} Foreman call(s): ${JSON.stringify(hookCosts.at(-1))}`);
    }
    for (const variant of variants) {
      gateways.set(
        variant.name,
        await startGatewayProcess({
          foremanUrl: demo.url,
          cwd: process.cwd(),
          logLevel: 'info',
          compiledEntry: config.gatewayEntry,
          env: variant.env,
        }),
      );
    }
    for (const query of queries) {
      for (const variant of variants) {
        const gateway = gateways.get(variant.name) as ServerProcess;
        const answer = await postGraphQL(`${gateway.url}/graphql`, query.body.query, {
          authorization,
        });
        const problem = query.check(answer.body);
        if (problem) throw new Error(`${query.id} on ${variant.name}: ${problem}`);
        if (config.warmupS > 0) {
          await loadGateway(gateway.url, query, {
            connections: config.connections,
            durationS: config.warmupS,
            authorization,
          });
        }
      }
      await sleep(BATCH_DELAY_MS);
      // Short runs in turn, so that whatever else the machine does weighs on every variant
      // alike; each gateway's CPU is read over the whole series and the wait after it, so the
      // spans it exports between its own runs are counted too.
      const cpu = new Map(
        variants.map((variant) => [
          variant.name,
          measureCpu((gateways.get(variant.name) as ServerProcess).pid),
        ]),
      );
      const exportedBefore = sink.received().bytes;
      const totals = new Map(
        variants.map((variant) => [
          variant.name,
          { completed: 0, failed: 0, p50: [] as number[], p99: [] as number[] },
        ]),
      );
      for (let round = 1; round <= config.rounds; round++) {
        for (const variant of variants) {
          const gateway = gateways.get(variant.name) as ServerProcess;
          const load = await loadGateway(gateway.url, query, {
            connections: config.connections,
            durationS: config.durationS,
            authorization,
          });
          const total = totals.get(variant.name) as NonNullable<ReturnType<typeof totals.get>>;
          total.completed += load.completed;
          total.failed += load.non2xx + load.errors + load.timeouts + load.graphqlErrors;
          total.p50.push(load.p50);
          total.p99.push(load.p99);
        }
        progress(`${query.id}: round ${round} of ${config.rounds}`);
      }
      // The last batch of spans leaves within the batch delay: its export is part of the cost.
      await sleep(BATCH_DELAY_MS);
      const exported = sink.received().bytes - exportedBefore;
      for (const variant of variants) {
        const total = totals.get(variant.name) as NonNullable<ReturnType<typeof totals.get>>;
        const used = cpu.get(variant.name)?.stop(total.completed);
        const sample: Sample = {
          perSecond: total.completed / (config.rounds * config.durationS),
          cpuMsPerRequest: used?.perRequestMs ?? Number.NaN,
          p50: median(total.p50),
          p99: median(total.p99),
          failed: total.failed,
          // Only "on" exports: every byte the sink received is its.
          exportBytesPerRequest: variant.name === 'on' ? exported / total.completed : 0,
        };
        samples.set(`${query.id} ${variant.name}`, sample);
        progress(
          `${query.id} ${variant.name}: ${sample.perSecond.toFixed(0)} q/s, ${sample.cpuMsPerRequest.toFixed(3)} ms CPU/query`,
        );
      }
    }
  } finally {
    for (const gateway of gateways.values()) await gateway.stop();
    await sink.close();
    await demo.close();
  }

  const rows = [
    '| Query | Tracing | q/s | q/s ÷ off | CPU ms/query | CPU ÷ off | p50 ms | p99 ms | exported bytes/query | failed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const query of queries) {
    const off = samples.get(`${query.id} off`) as Sample;
    for (const variant of variants) {
      const sample = samples.get(`${query.id} ${variant.name}`) as Sample;
      rows.push(
        `| ${query.id} | ${variant.name} | ${sample.perSecond.toFixed(0)} | ${(sample.perSecond / off.perSecond).toFixed(2)}× | ${sample.cpuMsPerRequest.toFixed(3)} | ${(sample.cpuMsPerRequest / off.cpuMsPerRequest).toFixed(2)}× | ${sample.p50.toFixed(1)} | ${sample.p99.toFixed(1)} | ${sample.exportBytesPerRequest.toFixed(0)} | ${sample.failed} |`,
      );
    }
  }
  const hookRows = [
    '| Foreman calls per request | Spans | Sampled out: µs CPU per request | On: µs CPU per request, export included |',
    '| --- | --- | --- | --- |',
    ...hookCosts.map(
      (cost) =>
        `| ${cost.calls} | ${cost.calls + 2} | ${(cost.sampledOutUs - cost.baselineUs).toFixed(1)} | ${(cost.onUs - cost.baselineUs).toFixed(1)} |`,
    ),
  ];
  const markdown = [
    '## Tracing overhead',
    '',
    `Generated by \`bench/tracing.ts\` on ${new Date().toISOString()} in ${((performance.now() - started) / 1000).toFixed(0)} s (Node ${machine.node}, ${machine.nproc} CPUs, ${machine.cpuModel}, gateway ${machine.revision ?? 'unknown'}, ${config.gatewayEntry ? `\`node ${config.gatewayEntry}\`` : 'tsx'}; 1-minute load average ${machine.loadAverage.start.toFixed(2)} at the start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at the end). ${config.connections} clients; per query, ${config.rounds} rounds of one ${config.durationS} s run of each variant in turn (off, on, on-sampled-out), after ${config.warmupS} s of warm-up each. "on" exports every trace (OTLP/HTTP protobuf, the defaults: parentbased_always_on, batches every 5 s) to a sink in the bench process; "on, sampled out" has the endpoint set with OTEL_TRACES_SAMPLER=always_off. q/s: queries answered ÷ the variant's own run time. CPU: each gateway process's utime + stime from the first round to 5.5 s after the last (its exports between its runs, and its last batch, included) ÷ the queries it answered. p50/p99: the median of the runs'.`,
    '',
    ...rows,
    '',
    `The hooks alone (\`bench/tracing-hooks.ts\`, in a process of its own under tsx): the plugin's hooks and the client's call spans driven directly for 20,000 requests, the loop without tracing subtracted; best of 5 alternating runs of each; "on" with its export to the sink, and the flush at the end of its run, included. Steadier than the load runs above when the machine is shared: nothing in it waits on another process.`,
    '',
    ...hookRows,
    '',
  ].join('\n');
  progress(`bench:tracing: wrote ${writeReport(config.outDir, 'tracing.md', markdown)}`);
}

await main();
