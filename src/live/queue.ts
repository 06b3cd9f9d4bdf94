/**
 * An async iterator fed from outside: what a subscription's GraphQL stream reads. Bounded: a
 * subscriber that does not keep up is ended with an error rather than growing memory.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: Array<{
    resolve: (r: IteratorResult<T>) => void;
    reject: (e: unknown) => void;
  }> = [];
  readonly #capacity: number;
  readonly #onClose: () => void;
  #done = false;
  #failure: unknown;

  constructor(capacity: number, onClose: () => void) {
    this.#capacity = capacity;
    this.#onClose = onClose;
  }

  push(item: T): void {
    if (this.#done) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else if (this.#items.length >= this.#capacity) {
      this.fail(new Error('This subscriber fell too far behind; subscribe again'));
    } else this.#items.push(item);
  }

  /** Ends the stream with an error after what is queued. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#failure = error;
    this.#finish();
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done) {
      return this.#failure === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.#failure);
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#finish();
    this.#items.length = 0;
    for (const waiter of this.#waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onClose();
  }
}
