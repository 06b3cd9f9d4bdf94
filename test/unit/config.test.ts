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
