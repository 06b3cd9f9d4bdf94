/**
 * Yoga's parse cache, bounded by the size of what it holds. Its default keeps 1024 documents for
 * an hour whatever their size, so anyone could fill the heap with large distinct documents; here
 * only documents up to `maxEntryBytes` are kept, and the least recently used go once all kept
 * documents together pass `maxTotalBytes` (of query text; a parsed document takes a small
 * multiple of that).
 */
export class ByteBoundedCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #maxEntryBytes: number;
  readonly #maxTotalBytes: number;
  #totalBytes = 0;

  constructor(options: { maxEntryBytes: number; maxTotalBytes: number }) {
    this.#maxEntryBytes = options.maxEntryBytes;
    this.#maxTotalBytes = options.maxTotalBytes;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Whether a document is held (without touching its recency). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: V): void {
    // UTF-16 length bounds UTF-8 bytes from below and is free; good enough for a budget.
    const size = key.length;
    if (size > this.#maxEntryBytes) return;
    if (this.#entries.delete(key)) this.#totalBytes -= size;
    this.#entries.set(key, value);
    this.#totalBytes += size;
    for (const oldest of this.#entries.keys()) {
      if (this.#totalBytes <= this.#maxTotalBytes) break;
      this.#entries.delete(oldest);
      this.#totalBytes -= oldest.length;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
