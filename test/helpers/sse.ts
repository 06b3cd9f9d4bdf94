import { Arrivals } from './arrivals.js';

/**
 * A GraphQL-over-SSE subscription as a browser or graphql-sse would open it: a POST that asks for
 * `text/event-stream`, read event by event. Collects `next` payloads until closed.
 */
export interface Subscription<T> {
  /** Every `next` payload received so far. */
  readonly received: T[];
  /** When each of `received` arrived (performance.now() of this process), for latencies. */
  readonly arrivals: number[];
  /** Resolves once `count` payloads have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function subscribe<T = { data?: Record<string, unknown>; errors?: unknown[] }>(
  url: string,
  query: string,
  options: { headers?: Record<string, string>; variables?: Record<string, unknown> } = {},
): Promise<Subscription<T>> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
    signal: controller.signal,
  });
  if (!response.ok || !response.body) {
    throw new Error(`subscription refused: HTTP ${response.status} ${await response.text()}`);
  }
  const arrivals = new Arrivals<T>();
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (event === 'next' && data) arrivals.push(JSON.parse(data) as T);
          if (event === 'complete') return;
        }
      }
    } catch {
      // Closed by us: the stream simply ends.
    } finally {
      arrivals.end();
    }
  })();
  return {
    received: arrivals.received,
    arrivals: arrivals.times,
    ended,
    close: () => controller.abort(),
    waitFor: (count, timeoutMs) => arrivals.waitFor(count, timeoutMs),
  };
}
