import type { RecordedRequest, RequestCounts } from '../types.js';

/** How many requests `DemoUpstream.requests` keeps by default: enough for any test. */
export const DEFAULT_MAX_RECORDED_REQUESTS = 10_000;

/**
 * Request bodies up to this many bytes are recorded parsed; a larger one only by its size, so a
 * long run with large writes does not keep every body alive.
 */
export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

/**
 * The demo's request record: the newest `max` requests (older ones are dropped as new ones
 * arrive), and counts that cover every request since start or the last reset(), dropped ones
 * included. `records` is one array for the log's whole life, so callers may hold on to it.
 */
export class RequestLog {
  readonly records: RecordedRequest[] = [];
  readonly #max: number;
  #total = 0;
  readonly #byStatus = new Map<number, number>();

  constructor(max = DEFAULT_MAX_RECORDED_REQUESTS) {
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`maxRecordedRequests must be a non-negative integer, got ${max}`);
    }
    this.#max = max;
  }

  /** A request arrived. */
  add(record: RecordedRequest): void {
    this.#total += 1;
    if (this.#max === 0) return;
    this.records.push(record);
    // One at a time: the list never holds more than `max`, and V8 shifts a long array in place.
    while (this.records.length > this.#max) this.records.shift();
  }

  /** A request was answered with this status, or (0) its connection ended without an answer. */
  finished(status: number): void {
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
  }

  counts(): Pick<RequestCounts, 'total' | 'byStatus'> {
    const byStatus: Record<string, number> = {};
    for (const [status, count] of [...this.#byStatus].sort(([a], [b]) => a - b)) {
      byStatus[String(status)] = count;
    }
    return { total: this.#total, byStatus };
  }

  reset(): void {
    this.records.length = 0;
    this.#total = 0;
    this.#byStatus.clear();
  }
}
