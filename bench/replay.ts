import type { Dispatcher } from 'undici';
import { ConcurrencyLimiter } from '../src/foreman/http/limiter.js';
import { getJson } from './rest.js';
import type { PlannedCall } from './upstream.js';

/**
 * The "direct" side: the exact REST calls the gateway made for one query, replayed through undici
 * as one unit of work. Waves run in order (a wave's calls needed the previous wave's answers in the
 * gateway); calls within a wave run in parallel under the gateway's per-request cap. Bodies are
 * read and parsed as JSON, as any client would, so the difference to the gateway is GraphQL
 * (parse, validate, execute, serialise) plus the gateway's extra hop.
 */
export function directReplay(
  calls: readonly PlannedCall[],
  dispatcher: Dispatcher,
  authorization: string,
  perQueryConcurrency: number,
): () => Promise<void> {
  const waves: PlannedCall[][] = [];
  for (const call of calls) {
    if (call.method !== 'GET') throw new Error(`only GETs can be replayed, got ${call.method}`);
    const wave = waves[call.wave] ?? [];
    wave.push(call);
    waves[call.wave] = wave;
  }
  const ordered = waves.filter((wave) => wave !== undefined);
  return async () => {
    const limiter = new ConcurrencyLimiter(perQueryConcurrency);
    for (const wave of ordered) {
      await Promise.all(
        wave.map((call) =>
          limiter.run(() => getJson(dispatcher, authorization, call.path, call.query)),
        ),
      );
    }
  };
}
