import type { ChangeNotice } from '../foreman/changes.js';

/** The same change announced again within this time is passed on once. */
export const DUPLICATE_WITHIN_MS = 1_000;

/**
 * Bounds the work announcements from other replicas can cause here. Each notice passed on makes
 * every group of subscribers read the image and its compute resource with its own credentials,
 * so: at most `perSecond` notices a second (a token bucket holding one second's worth, so a burst
 * of that size passes at once), and the same change (action, image, request id) repeated within
 * a second passed once. A notice held back is not lost to subscribers: the change's audit row
 * brings it at the next poll of the audit log.
 */
export class NoticeGate {
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #filledAt: number;
  /** Changes passed within DUPLICATE_WITHIN_MS: at most `perSecond` of them. */
  readonly #recent = new Map<string, number>();

  constructor(perSecond: number, now: () => number = Date.now) {
    this.#perSecond = perSecond;
    this.#now = now;
    this.#tokens = perSecond;
    this.#filledAt = now();
  }

  /** Whether to pass `notice` on now, or why not. */
  admit(notice: ChangeNotice): 'pass' | 'duplicate' | 'rate-limited' {
    const now = this.#now();
    for (const [key, until] of this.#recent) {
      if (until > now) break;
      this.#recent.delete(key);
    }
    const key = `${notice.action}/${notice.imageId}/${notice.requestId ?? ''}`;
    if (this.#recent.has(key)) return 'duplicate';
    this.#tokens = Math.min(
      this.#perSecond,
      this.#tokens + ((now - this.#filledAt) / 1000) * this.#perSecond,
    );
    this.#filledAt = now;
    if (this.#tokens < 1) return 'rate-limited';
    this.#tokens -= 1;
    this.#recent.set(key, now + DUPLICATE_WITHIN_MS);
    return 'pass';
  }
}
