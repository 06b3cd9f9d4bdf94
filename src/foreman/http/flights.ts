/**
 * Identical reads in flight at the same moment share one call to Foreman and one parsed answer,
 * across GraphQL requests. "Identical" is decided by the caller (the key: credential identity,
 * forwarded address, path and query), so nothing read for one credential reaches another.
 *
 * The call belongs to no one request: each request that joins it may leave (it ended, or its own
 * deadline passed) without cancelling it for the others, and the last one leaving cancels it.
 * The answer is shared, so it is frozen before anyone sees it.
 */
export class Flights {
  readonly #flights = new Map<string, Flight>();

  /**
   * The answer of the call in flight under `key`, or of a new one `start` makes. Resolves or
   * rejects as the call does, or rejects with `leave`'s reason once this participant's `signal`
   * fires (then, if it was the last, the call is cancelled).
   */
  join<T>(
    key: string,
    signal: AbortSignal,
    start: (signal: AbortSignal) => Promise<T>,
  ): { answer: Promise<T>; shared: boolean } {
    let flight = this.#flights.get(key);
    const shared = flight !== undefined;
    if (!flight) {
      const controller = new AbortController();
      const created: Flight = {
        controller,
        participants: 0,
        answer: start(controller.signal).then(
          (value) => deepFreeze(value),
          (error: unknown) => {
            throw error;
          },
        ),
      };
      flight = created;
      this.#flights.set(key, created);
      // Once answered, later reads start a call of their own (the answer may have changed).
      const forget = () => {
        if (this.#flights.get(key) === created) this.#flights.delete(key);
      };
      created.answer.then(forget, forget);
    }
    return { answer: this.#participate(key, flight, signal) as Promise<T>, shared };
  }

  /** Calls in flight now (for tests and metrics). */
  get size(): number {
    return this.#flights.size;
  }

  #participate(key: string, flight: Flight, signal: AbortSignal): Promise<unknown> {
    flight.participants += 1;
    return new Promise((resolve, reject) => {
      let done = false;
      const settle = () => {
        done = true;
        signal.removeEventListener('abort', leave);
      };
      const leave = () => {
        if (done) return;
        settle();
        flight.participants -= 1;
        if (flight.participants === 0) {
          // Nobody waits for it any more: Foreman need not finish it.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
          flight.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      if (signal.aborted) {
        leave();
        return;
      }
      signal.addEventListener('abort', leave, { once: true });
      flight.answer.then(
        (value) => {
          if (done) return;
          settle();
          resolve(value);
        },
        (error: unknown) => {
          if (done) return;
          settle();
          reject(error);
        },
      );
    });
  }
}

interface Flight {
  controller: AbortController;
  participants: number;
  answer: Promise<unknown>;
}

/**
 * Freezes a parsed JSON answer all the way down: it is shared between requests (and cached), so
 * a resolver that changed it would change it for everyone. JSON has no cycles.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
