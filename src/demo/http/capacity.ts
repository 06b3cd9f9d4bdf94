interface Waiter {
  grant: () => void;
}

/**
 * Puma's thread pool: at most `slots` requests are processed at once (Foreman runs 2 workers ×
 * 16 threads, config/puma/production.rb); the rest wait in arrival order. Tracks how many
 * requests are in flight, running or waiting, and the peak since the last resetPeak().
 */
export class RequestSlots {
  readonly #slots: number;
  #running = 0;
  #inFlight = 0;
  #peak = 0;
  readonly #queue: Waiter[] = [];

  constructor(slots: number) {
    if (!(slots >= 1))
      throw new RangeError(`maxConcurrentRequests must be at least 1, got ${slots}`);
    this.#slots = slots;
  }

  /** Requests being processed or waiting for a slot. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get peakInFlight(): number {
    return this.#peak;
  }

  resetPeak(): void {
    this.#peak = this.#inFlight;
  }

  /** A request arrived; call the returned function once it is answered or abandoned. */
  arrive(): () => void {
    this.#inFlight += 1;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight -= 1;
    };
  }

  /**
   * Waits for a slot. Resolves true with the slot held (release it with release()), or false
   * when `abandoned` fired first: a client that hung up while queued is never processed.
   */
  acquire(abandoned: AbortSignal): Promise<boolean> {
    if (abandoned.aborted) return Promise.resolve(false);
    if (this.#running < this.#slots) {
      this.#running += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          abandoned.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        resolve(false);
      };
      abandoned.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Frees a slot, handing it straight to the longest-waiting request. */
  release(): void {
    const next = this.#queue.shift();
    if (next) next.grant();
    else this.#running -= 1;
  }

  /** Lets every waiter through (the server is closing; they see it closed and stop). */
  drain(): void {
    for (const waiter of this.#queue.splice(0)) {
      this.#running += 1;
      waiter.grant();
    }
  }
}
