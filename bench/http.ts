import { Agent, request } from 'undici';
import { DEMO_ADMIN, DEMO_VIEWER } from '../src/demo/index.js';

/** The client side every bench shares: the demo's accounts as headers, and one GraphQL POST. */

export function basic(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
}

/** The demo's admin (the header the gateway forwards for it) and its read-only viewer. */
export const ADMIN = basic(DEMO_ADMIN.login, DEMO_ADMIN.password);
export const VIEWER = basic(DEMO_VIEWER.login, DEMO_VIEWER.password);

/** What a client saw for one GraphQL request. */
export interface GraphQLOutcome {
  /** HTTP status; 0 when no answer came (aborted, refused, reset). */
  status: number;
  /** `errors[].extensions.code` of the answer, in order (codeless errors as `(no code)`). */
  codes: string[];
  /** The parsed answer, and its `data`, when it was JSON. */
  body: unknown;
  data: unknown;
  /** From sending to the end of the answer (or to the failure). */
  ms: number;
  /** Why there was no answer (`AbortError`, `ECONNRESET`…). */
  failure?: string;
}

/**
 * POSTs one GraphQL document as JSON (which also satisfies the gateway's CSRF check) to
 * `endpoint`, with undici (`fetch` adds about 0.5 ms a request here). Never throws: a failure is
 * an outcome with status 0, so many concurrent requests can be counted.
 */
export async function postGraphQL(
  endpoint: string,
  query: string,
  options: {
    /** undici's global pool unless given. */
    dispatcher?: Agent;
    authorization?: string;
    variables?: Record<string, unknown>;
    signal?: AbortSignal;
    /** More request headers (an `x-request-id`, `x-forwarded-for`…). */
    headers?: Record<string, string>;
  } = {},
): Promise<GraphQLOutcome> {
  const started = performance.now();
  try {
    const response = await request(endpoint, {
      method: 'POST',
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...options.headers,
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      body: JSON.stringify({ query, variables: options.variables ?? {} }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, ...parseAnswer(text), ms: performance.now() - started };
  } catch (error) {
    // undici's errors carry a string code (ECONNRESET…); an abort is a DOMException, by name.
    const code = (error as { code?: unknown }).code;
    return {
      status: 0,
      codes: [],
      body: undefined,
      data: undefined,
      ms: performance.now() - started,
      failure: typeof code === 'string' ? code : (error as Error).name,
    };
  }
}

function parseAnswer(text: string): { codes: string[]; body: unknown; data: unknown } {
  try {
    const body = JSON.parse(text) as {
      data?: unknown;
      errors?: Array<{ extensions?: { code?: unknown } }>;
    };
    const codes = (body.errors ?? []).map((error) =>
      typeof error.extensions?.code === 'string' ? error.extensions.code : '(no code)',
    );
    return { codes, body, data: body.data };
  } catch {
    return { codes: ['(not JSON)'], body: undefined, data: undefined };
  }
}

/** Answered 2xx with no GraphQL error. */
export const succeeded = (outcome: GraphQLOutcome): boolean =>
  outcome.status >= 200 && outcome.status < 300 && outcome.codes.length === 0;

/** A client pool of a measurement's own, destroyed at its end so no socket outlives it. */
export function newAgent(): Agent {
  // Enough connections for 200 concurrent requests; no pipelining (one request per socket).
  return new Agent({ connections: 512, pipelining: 1 });
}
