import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults: demo upstream, port 4000, loopback, forwarded credentials', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      foremanUrl: undefined,
      serviceAccount: undefined,
      port: 4000,
      host: '127.0.0.1',
      logLevel: 'info',
      foremanTimeoutMs: 30_000,
      limits: { maxPageSize: 1000, defaultPageSize: 20, maxCost: 50_000, listCostEstimate: 100 },
    });
  });

  it('normalises FOREMAN_URL (trailing slash, a pasted /api suffix) and keeps a path prefix', () => {
    expect(loadConfig({ FOREMAN_URL: 'https://foreman.example.com/' }).foremanUrl).toBe(
      'https://foreman.example.com',
    );
    expect(loadConfig({ FOREMAN_URL: 'https://foreman.example.com/api/v2' }).foremanUrl).toBe(
      'https://foreman.example.com',
    );
    expect(loadConfig({ FOREMAN_URL: 'https://example.com/foreman' }).foremanUrl).toBe(
      'https://example.com/foreman',
    );
  });

  it('takes a service account only as a pair', () => {
    expect(
      loadConfig({ FOREMAN_USERNAME: 'svc', FOREMAN_PASSWORD: 's3cret' }).serviceAccount,
    ).toEqual({ username: 'svc', password: 's3cret' });
  });

  it.each([
    [{ FOREMAN_URL: 'foreman.example.com' }, 'FOREMAN_URL must be an absolute http(s) URL'],
    [{ FOREMAN_URL: 'ftp://foreman.example.com' }, 'FOREMAN_URL must use http or https'],
    [
      { FOREMAN_URL: 'https://admin:pw@foreman.example.com' },
      'FOREMAN_URL must not contain credentials',
    ],
    [{ FOREMAN_USERNAME: 'svc' }, 'FOREMAN_USERNAME and FOREMAN_PASSWORD must be set together'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must use redis or rediss'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL must use redis or rediss, got "http:"'],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES must list IP addresses or CIDR ranges'],
    [{ TRUSTED_PROXIES: 'proxy.internal' }, 'TRUSTED_PROXIES must list IP addresses'],
    [
      { FOREMAN_FORWARD_CLIENT_ADDRESS: 'maybe' },
      'FOREMAN_FORWARD_CLIENT_ADDRESS must be true or false',
    ],
    [
      { FOREMAN_TIMEOUT_MS: 'soon' },
      'FOREMAN_TIMEOUT_MS must be a whole number from 1 to 600000, got "soon"',
    ],
    [{ FOREMAN_TIMEOUT_MS: '0' }, 'FOREMAN_TIMEOUT_MS must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000"'],
    [{ PORT: '-1' }, 'PORT must be a whole number'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      { LIST_COST_ESTIMATE: '0' },
      'LIST_COST_ESTIMATE must be a whole number from 1 to 100000, got "0"',
    ],
    [{ LIST_COST_ESTIMATE: 'many' }, 'LIST_COST_ESTIMATE must be a whole number'],
    [{ FOREMAN_CA_FILE: '/nonexistent/ca.pem' }, 'FOREMAN_CA_FILE must name a readable file'],
    [
      { DEFAULT_PAGE_SIZE: '50', MAX_PAGE_SIZE: '10' },
      'DEFAULT_PAGE_SIZE (50) must not exceed MAX_PAGE_SIZE (10)',
    ],
  ])('rejects %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the new settings: trusted proxies, Redis, live changes', () => {
    const config = loadConfig({
      TRUSTED_PROXIES: '10.0.0.0/8, ::1',
      REDIS_URL: 'redis://:secret@cache.internal:6379',
      AUDIT_POLL_INTERVAL_MS: '2000',
    });
    expect(config.logins.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(config.live.redisUrl).toBe('redis://:secret@cache.internal:6379');
    expect(config.live.pollIntervalMs).toBe(2000);
    expect(loadConfig({ LIST_COST_ESTIMATE: '25' }).limits.listCostEstimate).toBe(25);
    expect(loadConfig({}).http.subgraphSdl).toBe(true);
    expect(loadConfig({ INTROSPECTION: 'false' }).http.subgraphSdl).toBe(false);
  });

  it('reads what replicas sharing a Redis need: their secrets, their number, the notice rate', () => {
    expect(loadConfig({}).replicas).toEqual({
      sharedSecret: undefined,
      previousSharedSecret: undefined,
      count: 1,
      noticesPerSecond: 20,
    });
    const config = loadConfig({
      SHARED_SECRET: 'n'.repeat(32),
      SHARED_SECRET_PREVIOUS: ` ${'o'.repeat(44)} `,
      GATEWAY_REPLICAS: '3',
      SHARED_NOTICES_PER_SECOND: '100',
    });
    expect(config.replicas).toEqual({
      sharedSecret: 'n'.repeat(32),
      previousSharedSecret: 'o'.repeat(44),
      count: 3,
      noticesPerSecond: 100,
    });
  });

  it.each([
    [{ SHARED_SECRET: 'short-but-secret' }, 'SHARED_SECRET must be at least 32 characters long'],
    [
      { SHARED_SECRET: 's'.repeat(40), SHARED_SECRET_PREVIOUS: 'short-but-secret' },
      'SHARED_SECRET_PREVIOUS must be at least 32 characters long',
    ],
    [
      { SHARED_SECRET_PREVIOUS: 's'.repeat(40) },
      'SHARED_SECRET_PREVIOUS is the secret being replaced: set the new one in SHARED_SECRET too',
    ],
    [{ GATEWAY_REPLICAS: '0' }, 'GATEWAY_REPLICAS must be a whole number from 1 to 1000'],
    [{ SHARED_NOTICES_PER_SECOND: '0' }, 'SHARED_NOTICES_PER_SECOND must be a whole number'],
  ])('rejects %j with one line that never shows a secret', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    let error: unknown;
    try {
      loadConfig(env);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).not.toContain('short-but-secret');
    expect(String(error)).not.toContain('s'.repeat(40));
    expect(String(error)).not.toContain('\n');
  });

  it('accepts a readable CA file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fig-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n');
    expect(loadConfig({ FOREMAN_CA_FILE: file }).foremanCaFile).toBe(file);
  });
});

describe('the built-in demo Foreman', () => {
  it('runs with no FOREMAN_URL on a loopback HOST', () => {
    for (const HOST of ['127.0.0.1', '127.0.5.1', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(loadConfig({ HOST }).foremanUrl).toBeUndefined();
    }
  });

  it('refuses to start on another address unless DEMO=true says so', () => {
    for (const HOST of ['0.0.0.0', '::', '192.0.2.10', 'gateway.example.com']) {
      expect(() => loadConfig({ HOST })).toThrow(
        /FOREMAN_URL is not set, and the built-in demo Foreman .* runs only on a loopback HOST/,
      );
      expect(loadConfig({ HOST, DEMO: 'true' }).host).toBe(HOST);
    }
  });

  it('an empty FOREMAN_URL is a mistake, not a request for the demo', () => {
    for (const FOREMAN_URL of ['', '  ']) {
      expect(() => loadConfig({ FOREMAN_URL })).toThrow(ConfigError);
      expect(() => loadConfig({ FOREMAN_URL })).toThrow(/FOREMAN_URL is empty/);
    }
  });

  it('DEMO=true with a FOREMAN_URL is refused: one of them is a mistake', () => {
    expect(() => loadConfig({ FOREMAN_URL: 'https://foreman.example.com', DEMO: 'true' })).toThrow(
      /DEMO=true and FOREMAN_URL are both set/,
    );
  });
});

describe('loadConfig: tracing (the standard OTEL_* variables)', () => {
  it('is off without an endpoint, and when disabled', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
    // Set only for the service name or the sampler, nothing is exported.
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBe(
      undefined,
    );
  });

  it('has the standard defaults', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      compression: 'none',
      timeoutMs: 10_000,
      serviceName: 'foreman-images-graphql',
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batch: {
        scheduledDelayMs: 5_000,
        exportTimeoutMs: 30_000,
        maxQueueSize: 2_048,
        maxExportBatchSize: 512,
      },
    });
    // OTEL_TRACES_EXPORTER=otlp alone means the standard local collector.
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.endpoint).toBe(
      'http://localhost:4318/v1/traces',
    );
  });

  it('adds v1/traces to the general endpoint, and takes the traces endpoint as it is', () => {
    const endpoint = (env: Record<string, string>) => loadConfig(env).tracing?.endpoint;
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' })).toBe(
      'https://otel.example.com/otlp/v1/traces',
    );
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp' })).toBe(
      'https://otel.example.com/otlp/v1/traces',
    );
    expect(
      endpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/api/spans',
      }),
    ).toBe('https://traces.example.com/api/spans');
  });

  it('reads protocol, headers, compression, timeout, resource and sampler, signal ones first', () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=a',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=b',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_SERVICE_NAME: 'images-gateway',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment.name=prod%2Ceu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toMatchObject({
      protocol: 'http/json',
      headers: { authorization: 'Bearer abc', 'x-tenant': 'b' },
      compression: 'gzip',
      timeoutMs: 2_500,
      serviceName: 'images-gateway',
      resourceAttributes: { 'deployment.environment.name': 'prod,eu' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    // Without OTEL_SERVICE_NAME, the resource's service.name counts.
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes',
      }).tracing?.serviceName,
    ).toBe('from-attributes');
  });

  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
  it.each([
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: '//collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http(s) URL',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pw@collector/v1/traces' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must not contain credentials',
    ],
    [
      { ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (gRPC is not supported',
    ],
    [
      { ...on, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' },
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be',
    ],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER must be otlp or none'],
    [
      { ...on, OTEL_TRACES_SAMPLER: 'jaeger_remote' },
      'OTEL_TRACES_SAMPLER must be one of always_on',
    ],
    [
      { ...on, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
      'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1',
    ],
    [
      { ...on, OTEL_EXPORTER_OTLP_COMPRESSION: 'br' },
      'OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none',
    ],
    [
      { ...on, OTEL_EXPORTER_OTLP_HEADERS: 'api-key' },
      'OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value pairs',
    ],
    [{ ...on, OTEL_EXPORTER_OTLP_HEADERS: 'a=1,key=%E0%A4%A' }, 'entry 2 is not'],
    [
      { ...on, OTEL_EXPORTER_OTLP_HEADERS: 'x-key=one%0D%0Ax-injected=two' },
      'OTEL_EXPORTER_OTLP_HEADERS must be a list',
    ],
    [
      { ...on, OTEL_EXPORTER_OTLP_HEADERS: 'bad name=1' },
      'has a header name that is not valid in HTTP',
    ],
    [
      { ...on, OTEL_RESOURCE_ATTRIBUTES: '=x' },
      'OTEL_RESOURCE_ATTRIBUTES must be a list of key=value pairs',
    ],
    [
      { ...on, OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' },
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE (200) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (100)',
    ],
    [{ ...on, OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BSP_SCHEDULE_DELAY must be a whole number'],
  ])('rejects %j with one line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('never echoes a header value in its error', () => {
    expect(() =>
      loadConfig({ ...on, OTEL_EXPORTER_OTLP_HEADERS: 'api-key=secret-value,broken' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-value') }));
  });
});
