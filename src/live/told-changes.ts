import type { ChangeNotice } from '../foreman/changes.js';

interface Counts {
  gateway: number;
  audit: number;
  until: number;
}

/**
 * The changes told to one group of subscribers, so that a change reaching it by both routes (the
 * gateway's announcement of its own write, and the audit row the tail reads) is told once. A
 * change is named by its request id, image and action: the one thing both routes know of it.
 * That name is not unique (a caller may send the same `X-Request-Id` twice, and two writes in one
 * operation share it), so each route's changes of one name are counted: the n-th from one route
 * is the n-th from the other, and every change is told exactly once, whichever route brings it
 * first. A name is kept until both routes have brought as many changes of it, or for `ttlMs` (a
 * route that never brings it: a credential that may not read the audit log); every name is kept
 * as long, so insertion order is expiry order.
 */
export class ToldChanges {
  readonly #counts = new Map<string, Counts>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Counts a notice in; true when it is the first of its kind to arrive, to be told now. */
  take(notice: ChangeNotice, now = Date.now()): boolean {
    const name = nameOf(notice);
    if (name === undefined) return true;
    for (const [old, { until }] of this.#counts) {
      if (until > now) break;
      this.#counts.delete(old);
    }
    let counts = this.#counts.get(name);
    if (!counts) {
      counts = { gateway: 0, audit: 0, until: now + this.#ttlMs };
      this.#counts.set(name, counts);
    }
    const route = notice.source;
    const other = route === 'gateway' ? 'audit' : 'gateway';
    counts[route] += 1;
    // Both routes have brought every change of this name: nothing is left to match, and a next
    // one is new either way. Most names go here, a poll after their write, not after `ttlMs`.
    if (counts[route] === counts[other]) this.#counts.delete(name);
    return counts[route] > counts[other];
  }

  /** Takes back a notice that could not be told after all (it will come again). */
  giveBack(notice: ChangeNotice): void {
    const name = nameOf(notice);
    const counts = name === undefined ? undefined : this.#counts.get(name);
    if (counts && counts[notice.source] > 0) counts[notice.source] -= 1;
  }

  get size(): number {
    return this.#counts.size;
  }
}

/** Without a request id, two changes could not be told apart: such a change is always told. */
function nameOf(notice: ChangeNotice): string | undefined {
  if (!notice.requestId) return undefined;
  return `${notice.requestId}/${notice.imageId}/${notice.action}`;
}
