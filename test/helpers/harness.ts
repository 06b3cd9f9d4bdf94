import { startGateway } from '../../src/app.js';
import { type Config, type LogLevel, loadConfig } from '../../src/config.js';
import {
  DEMO_ADMIN,
  type DemoUpstream,
  type DemoUpstreamOptions,
  type DemoUser,
  type RecordedRequest,
  startDemoUpstream,
} from '../../src/demo/index.js';
import { createLogger } from '../../src/logger.js';

export interface GraphQLResponse<D = Record<string, unknown>> {
  status: number;
  data?: D | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    locations?: Array<{ line: number; column: number }>;
    extensions?: Record<string, unknown>;
  }>;
}

export interface QueryOptions {
  variables?: Record<string, unknown>;
  /** Who calls: a demo user, a raw Authorization header, or null for no header. Default: admin. */
  as?: DemoUser | string | null;
  headers?: Record<string, string>;
}

export interface Harness {
  /** The gateway's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  demo: DemoUpstream;
  query<D = Record<string, unknown>>(
    query: string,
    options?: QueryOptions,
  ): Promise<GraphQLResponse<D>>;
  /**
   * Upstream requests made since the last `resetCounts()`; the gateway's start-up checks (its ping
   * of the demo, a service account's check) are done before the harness is handed over, and not
   * counted.
   */
  upstream(): RecordedRequest[];
  resetCounts(): void;
  /** Every log line the gateway wrote (when started with `logLevel`). */
  logs: string[];
  /** Stops the gateway (letting requests in flight finish for `graceMs`), then the demo. */
  close(graceMs?: number): Promise<void>;
}

export function basicAuth(user: DemoUser): string {
  return `Basic ${Buffer.from(`${user.login}:${user.password}`).toString('base64')}`;
}

/**
 * The demo upstream and the gateway, both listening on 127.0.0.1, talking real HTTP through the
 * gateway's own undici pool: the way users run it.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    demo?: DemoUpstreamOptions;
    logLevel?: LogLevel;
    /** Point the gateway at another upstream than the demo (a hung server, say). */
    foremanUrl?: string;
    /** Adjust the configuration beyond what the environment can say (as main.ts does). */
    configure?: (config: Config) => Config;
  } = {},
): Promise<Harness> {
  const logs: string[] = [];
  const demo = await startDemoUpstream(options.demo);
  const foremanUrl = options.foremanUrl ?? demo.url;
  const loaded = loadConfig({
    FOREMAN_URL: foremanUrl,
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    ...options.env,
  });
  const config = options.configure ? options.configure(loaded) : loaded;
  const server = await startGateway({
    config,
    foremanUrl,
    logger: createLogger(options.logLevel ?? 'silent', {
      write: (line: string) => logs.push(line),
    }),
  });
  if (!options.foremanUrl) {
    await server.checked;
    demo.resetRequests();
  }

  return {
    url: server.url,
    demo,
    async query<D>(query: string, queryOptions: QueryOptions = {}) {
      const as = queryOptions.as === undefined ? DEMO_ADMIN : queryOptions.as;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
        ...queryOptions.headers,
      };
      if (as !== null) headers.authorization = typeof as === 'string' ? as : basicAuth(as);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables: queryOptions.variables ?? {} }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse<D>, 'status'>;
      return { status: response.status, ...body };
    },
    upstream: () => [...demo.requests],
    resetCounts: () => demo.resetRequests(),
    logs,
    async close(graceMs) {
      await server.stop(graceMs);
      await demo.close();
    },
  };
}

/** Upstream requests as `METHOD path?search` strings, for readable assertions. */
export function describeRequests(requests: RecordedRequest[]): string[] {
  return requests.map((r) => {
    const query = new URLSearchParams(r.query).toString();
    return `${r.method} ${r.path}${query ? `?${decodeURIComponent(query.replace(/\+/g, ' '))}` : ''}`;
  });
}
