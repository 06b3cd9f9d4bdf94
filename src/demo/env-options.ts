import type { DemoUpstreamOptions } from './types.js';

/** The demo upstream's options as `npm run demo-upstream` reads them from the environment. */
export interface DemoProcessOptions extends DemoUpstreamOptions {
  host: string;
  port: number;
}

/** Limits that catch typos (an extra zero, a unit suffix) before anything listens. */
const MAX_LATENCY_MS = 600_000;
const MAX_SLOTS = 100_000;
const MAX_EXTRA_USERS = 100_000;
const MAX_RECORDED = 10_000_000;

/**
 * Reads DEMO_HOST, DEMO_PORT, DEMO_LATENCY_MS, DEMO_SLOTS, DEMO_EXTRA_USERS,
 * DEMO_MAX_RECORDED_REQUESTS and DEMO_CONTROL. An unset or empty variable keeps the default;
 * every bad one gives one line in `errors`, naming the variable, what it takes and what it got.
 */
export function demoOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): {
  options: DemoProcessOptions;
  errors: string[];
} {
  const errors: string[] = [];
  const integer = (name: string, min: number, max: number, what: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      errors.push(`${name} must be an integer from ${min} to ${max} (${what}), got '${raw}'`);
      return undefined;
    }
    return value;
  };
  const options: DemoProcessOptions = {
    host: env.DEMO_HOST || '127.0.0.1',
    port: integer('DEMO_PORT', 0, 65_535, 'a port; 0 picks a free one') ?? 0,
  };
  const latencyMs = integer(
    'DEMO_LATENCY_MS',
    0,
    MAX_LATENCY_MS,
    'milliseconds added to every answer',
  );
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  const slots = integer('DEMO_SLOTS', 1, MAX_SLOTS, 'requests processed at once; Foreman has 32');
  if (slots !== undefined) options.maxConcurrentRequests = slots;
  const extraUsers = integer(
    'DEMO_EXTRA_USERS',
    0,
    MAX_EXTRA_USERS,
    'read-only users user1 … userN',
  );
  if (extraUsers !== undefined) options.extraUsers = extraUsers;
  const recorded = integer(
    'DEMO_MAX_RECORDED_REQUESTS',
    0,
    MAX_RECORDED,
    'requests kept in the record',
  );
  if (recorded !== undefined) options.maxRecordedRequests = recorded;
  const control = env.DEMO_CONTROL;
  if (control === 'true') options.control = true;
  else if (control !== undefined && control !== '' && control !== 'false') {
    errors.push(`DEMO_CONTROL must be true or false, got '${control}'`);
  }
  return { options, errors };
}
