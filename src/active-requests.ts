import type { ServerResponse } from 'node:http';

/** Why a request's signal fired in the ordinary case; one error for all (no stack per request). */
const ENDED = new Error('the GraphQL request ended');

/**
 * One abort signal per GraphQL request, carried into every upstream call it makes. It fires when
 * the response is done or the client went away (whichever closes the response first), so queued
 * and in-flight calls of a request that was already answered, refused or abandoned are
 * cancelled; and, for all requests at once, when the gateway stops.
 */
export class ActiveRequests {
  readonly #controllers = new Set<AbortController>();

  /** The signal of a request whose response is `response` (or whose request signal is `fallback`). */
  begin(response: ServerResponse | undefined, fallback: AbortSignal | undefined): AbortSignal {
    const controller = new AbortController();
    this.#controllers.add(controller);
    const end = () => {
      this.#controllers.delete(controller);
      controller.abort(ENDED);
    };
    if (response) response.once('close', end);
    else fallback?.addEventListener('abort', end, { once: true });
    return controller.signal;
  }

  get size(): number {
    return this.#controllers.size;
  }

  /** Cancels the upstream work of every request still running (at the shutdown deadline). */
  abortAll(reason: string): void {
    for (const controller of this.#controllers) controller.abort(new Error(reason));
    this.#controllers.clear();
  }
}
