import { describe, expect, it, vi } from 'vitest';
import { startHarness } from '../helpers/harness.js';

/**
 * With no OTEL_* variables the OpenTelemetry SDK is never loaded (so nothing can export or
 * connect), and Foreman's calls carry no trace headers. Each load of the SDK module is counted.
 */

const sdk = vi.hoisted(() => ({ loads: 0 }));

vi.mock('../../src/tracing/sdk.js', async (importOriginal) => {
  sdk.loads += 1;
  return importOriginal();
});

describe('tracing off', () => {
  it.each([
    ['no OTEL_* variable', {}],
    [
      'OTEL_SDK_DISABLED=true',
      { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    ],
    [
      'OTEL_TRACES_EXPORTER=none',
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    ],
  ])('%s: no SDK, no trace headers to Foreman', async (_, env) => {
    const harness = await startHarness({ env });
    try {
      const result = await harness.query('{ architecture(id: "1") { name } }', {
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      expect(result.errors).toBeUndefined();
      const [call] = harness.upstream();
      expect(call?.headers.traceparent).toBeUndefined();
      expect(call?.headers.tracestate).toBeUndefined();
    } finally {
      await harness.close();
    }
    expect(sdk.loads).toBe(0);
  });

  it('the count above would see a load: with an endpoint the SDK is loaded', async () => {
    const harness = await startHarness({
      // No request, so no span and no export: nothing is sent to this port.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    await harness.close();
    expect(sdk.loads).toBe(1);
  });
});
