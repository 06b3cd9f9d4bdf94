import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LiveMetrics } from './live/live-changes.js';

/** The gateway's Prometheus metrics, on a registry of its own (served at /metrics). */
export function createMetrics() {
  const registry = new Registry();
  /** What the cache gauges read when scraped (nothing until a cache is watched). */
  let cache: { bytes: number; size: number } = { bytes: 0, size: 0 };
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Duration of GraphQL requests over HTTP from arrival to answer, refusals before execution included, by operation type (unknown: none was read) and outcome (ok, error, cancelled: the client went away before being answered, cut_off: the gateway closed the connection first, at its shutdown deadline).',
      labelNames: ['operation_type', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    operationErrors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by the extensions.code the client received.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route (/graphql, /healthz, /readyz, /metrics, /sign-in, /sign-out, graphiql, other) and status (0: not answered, the client went away or the gateway stopped first).',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests from arrival to the end of the response, by route and status.',
      labelNames: ['route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'foreman_request_duration_seconds',
      help: 'Duration of requests to Foreman, by method, route template and status (0: no answer).',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamQueueWait: new Histogram({
      name: 'foreman_queue_wait_seconds',
      help: "How long calls to Foreman waited for one of its slots (the pool's sockets).",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamShed: new Counter({
      name: 'foreman_calls_shed_total',
      help: 'Calls to Foreman not sent because they could not have been answered before their deadline (answered OVERLOADED).',
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'upstream_cache_lookups_total',
      help: 'Reads looked up in the cache (UPSTREAM_CACHE_TTL_MS), by outcome: hit, miss, stale (held but out of date).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cacheBytes: new Gauge({
      name: 'upstream_cache_bytes',
      help: "What the cache holds, counted on Foreman's answers' bodies (bounded by UPSTREAM_CACHE_MAX_BYTES).",
      registers: [registry],
      collect() {
        this.set(cache.bytes);
      },
    }),
    cacheEntries: new Gauge({
      name: 'upstream_cache_entries',
      help: 'Answers the cache holds.',
      registers: [registry],
      collect() {
        this.set(cache.size);
      },
    }),
    /** The cache the gauges above report. */
    watchCache(watched: { bytes: number; size: number }): void {
      cache = watched;
    },
    upstreamRetries: new Counter({
      name: 'foreman_request_retries_total',
      help: 'GET requests to Foreman retried after a connection error or 502/503/504.',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'dataloader_batch_size',
      help: 'Keys per DataLoader batch (one upstream call per batch), by loader.',
      labelNames: ['loader'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    liveSubscriptions: new Gauge({
      name: 'live_subscriptions',
      help: 'imageChanged subscriptions open on this replica.',
      registers: [registry],
    }),
    liveAuditPolls: new Counter({
      name: 'live_audit_polls_total',
      help: "Polls of Foreman's audit log for image changes, by outcome.",
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    liveEvents: new Counter({
      name: 'live_events_total',
      help: 'Image changes told to subscribers, by source (gateway writes, audit log).',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    liveLag: new Histogram({
      name: 'live_event_lag_seconds',
      help: "From a change (Foreman's time, or the write) to telling subscribers of it.",
      labelNames: ['source'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    redisMessagesDropped: new Counter({
      name: 'redis_messages_dropped_total',
      help: 'Messages on the Redis change channel not passed on, by reason: too-large, malformed, forged, stale, replayed, invalid (not a notice), duplicate, rate-limited.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The live-changes hub's metrics. */
export function liveMetrics(metrics: Metrics): LiveMetrics {
  return {
    subscriptions: (count) => metrics.liveSubscriptions.set(count),
    poll: (outcome) => metrics.liveAuditPolls.inc({ outcome }),
    event: (source, lagSeconds) => {
      metrics.liveEvents.inc({ source });
      metrics.liveLag.observe({ source }, Math.max(0, lagSeconds));
    },
  };
}

/**
 * A metric's children by label values, made once per combination: prom-client otherwise
 * validates and hashes the labels object on every observation, on the hot path of every request.
 */
export function labelled<Child>(metric: {
  labels(...values: string[]): Child;
}): (...values: string[]) => Child {
  const children = new Map<string, Child>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = metric.labels(...values);
      children.set(key, child);
    }
    return child;
  };
}
