/**
 * What a stream (a subscription over SSE or WebSocket) has delivered so far, and a way to wait
 * for more: `waitFor` fails at once when the stream has ended short, and says how far it got.
 */
export class Arrivals<T> {
  readonly received: T[] = [];
  /** When each of `received` arrived (performance.now() of this process), for latencies. */
  readonly times: number[] = [];
  #ended = false;
  readonly #waiters: Array<() => void> = [];

  push(item: T): void {
    this.received.push(item);
    this.times.push(performance.now());
    this.#wake();
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Resolves once `count` items have arrived; rejects if the stream ends first or time is up. */
  async waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (this.#ended) {
        throw new Error(`the stream ended after ${this.received.length} of ${count} payloads`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.received.length} of ${count} payloads in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
