/**
 * Runs `work` with a signal that fires when `parent` does, and unhooks it from `parent` when
 * `work` settles. A subscription's signal lives for hours while each poll and each delivery made
 * under it lasts a moment: handing the parent itself to a Foreman client would leave one abort
 * listener on it per run, and `AbortSignal.any` keeps each combined signal reachable from its
 * sources on the Node versions we run. Either grows memory for as long as anyone is subscribed.
 */
export async function withChildSignal<T>(
  parent: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const child = new AbortController();
  const abort = () => child.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  try {
    return await work(child.signal);
  } finally {
    parent.removeEventListener('abort', abort);
  }
}
