import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'graphql';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startTracing, type Tracing } from '../src/tracing/tracing.js';

/** CPU the tracing hooks add to one request, in microseconds, beside what the loop costs alone. */
export interface HookCost {
  calls: number;
  /** The loop without tracing: a Request object made, nothing else. */
  baselineUs: number;
  onUs: number;
  sampledOutUs: number;
}

const DOCUMENT = parse('query Images { images(first: 2) { nodes { name } } }');

/**
 * measureHookCost in a process of its own (`node --import tsx`), so that its CPU time is the
 * hooks' and the exporter's, not the sink's, which stays in the caller's process.
 */
export async function measureHookCostApart(sinkUrl: string, calls: number): Promise<HookCost> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), sinkUrl, String(calls)],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' } },
  );
  return JSON.parse(stdout) as HookCost;
}

/**
 * The hooks a request goes through, called directly, many times: the server span, the operation
 * span and `calls` Foreman call spans with their `traceparent`, and for "on" their export over
 * OTLP/HTTP to `sinkUrl` (the loop yields every few requests, so batches leave as under load).
 * Steadier than the load runs on a busy machine: nothing waits on another process.
 */
export async function measureHookCost(sinkUrl: string, calls: number): Promise<HookCost> {
  const tracingFor = (env: Record<string, string>) =>
    startTracing({
      config: loadConfig({ FOREMAN_URL: 'http://127.0.0.1:3000', ...env }),
      foremanUrl: 'http://127.0.0.1:3000',
      logger: createLogger('warn', { write: (line: string) => process.stderr.write(line) }),
    });
  const exporting = async () =>
    (await tracingFor({ OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl })) as Tracing;
  const sampledOut = (await tracingFor({
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_TRACES_SAMPLER: 'always_off',
  })) as Tracing;
  const response = new Response(null, { status: 200 });
  const once = (tracing: Tracing | undefined) => {
    const request = new Request('http://127.0.0.1:4000/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    if (!tracing) return;
    const plugin = tracing.plugin as Record<string, (payload: unknown) => unknown>;
    plugin.onRequest?.({ request, serverContext: {} });
    const execution = plugin.onExecute?.({
      args: { document: DOCUMENT, operationName: undefined, contextValue: { request } },
    }) as { onExecuteDone(payload: unknown): void };
    const trace = tracing.callsOf(request);
    for (let call = 1; call <= calls; call++) {
      const span = trace?.startCall('GET', '/api/compute_resources/:id/images', 1);
      if (!span?.headers.traceparent) throw new Error('no traceparent');
      span.end(200);
    }
    execution.onExecuteDone({ result: { data: {} } });
    plugin.onResponse?.({ request, response, serverContext: {} });
  };
  const cpuUs = async (tracing: Tracing | undefined, iterations: number) => {
    const before = process.cpuUsage();
    for (let index = 0; index < iterations; index++) {
      once(tracing);
      // Lets the exporter's requests go out and its answers come in, as between requests.
      if (index % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    // What was queued is serialised and sent now: that work belongs to these requests too.
    if (tracing && tracing !== sampledOut) await tracing.shutdown();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / iterations;
  };
  // Warm-up, then alternating runs, each variant's best kept (the least disturbed by the rest).
  // "On" is a new instance each time: the flush at the end of a run shuts it down.
  for (const tracing of [undefined, sampledOut, await exporting()]) await cpuUs(tracing, 5_000);
  const best = { baseline: Infinity, sampledOut: Infinity, on: Infinity };
  for (let round = 0; round < 5; round++) {
    best.baseline = Math.min(best.baseline, await cpuUs(undefined, 20_000));
    best.sampledOut = Math.min(best.sampledOut, await cpuUs(sampledOut, 20_000));
    best.on = Math.min(best.on, await cpuUs(await exporting(), 20_000));
  }
  await sampledOut.shutdown();
  return {
    calls,
    baselineUs: best.baseline,
    onUs: best.on,
    sampledOutUs: best.sampledOut,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [sinkUrl = '', calls = '1'] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await measureHookCost(sinkUrl, Number(calls)))}\n`);
}
