/**
 * A subscription's events, each mapped in turn (over SSE and WebSocket alike):
 * - an error thrown while reading the source ends the stream with one last result built from it
 *   (a masked error with its code) rather than an exception the transport would send unmasked;
 * - `return()` reaches the source at once (an async generator would wait for the next event
 *   first), so a client that leaves stops the source's work at once.
 */
export function mapEvents<T, U>(
  source: AsyncIterable<T>,
  lastResult: (error: unknown) => U,
  map: (value: T) => U | Promise<U>,
): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  let ended = false;
  const end = async () => {
    ended = true;
    await iterator.return?.();
  };
  return {
    async next() {
      if (ended) return done;
      let result: IteratorResult<T>;
      try {
        result = await iterator.next();
      } catch (error) {
        await end();
        return { value: lastResult(error), done: false };
      }
      return result.done ? done : { value: await map(result.value), done: false };
    },
    async return() {
      await end();
      return done;
    },
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
