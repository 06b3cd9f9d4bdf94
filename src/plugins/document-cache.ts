import type { DocumentNode } from 'graphql';

/**
 * Yoga's parse cache, bounded by what it holds. Its default keeps 1024 documents for an hour
 * whatever their size, so anyone could fill the heap with large distinct documents; here only
 * documents up to `maxEntryBytes` of text are kept, and the least recently used go once the
 * entries' weights (`weigh`, an estimate of the heap each takes) pass `maxTotalBytes`.
 */
export class ByteBoundedCache<V> {
  readonly #entries = new Map<string, { value: V; weight: number }>();
  readonly #maxEntryBytes: number;
  readonly #maxTotalBytes: number;
  readonly #weigh: (key: string, value: V) => number;
  #totalBytes = 0;

  constructor(options: {
    maxEntryBytes: number;
    maxTotalBytes: number;
    /** What an entry counts against `maxTotalBytes`; by default the length of its key. */
    weigh?: (key: string, value: V) => number;
  }) {
    this.#maxEntryBytes = options.maxEntryBytes;
    this.#maxTotalBytes = options.maxTotalBytes;
    this.#weigh = options.weigh ?? ((key) => key.length);
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Whether a document is held (without touching its recency). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: V): void {
    // UTF-16 length bounds UTF-8 bytes from below and is free; good enough for a budget.
    if (key.length > this.#maxEntryBytes) return;
    const weight = this.#weigh(key, value);
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#totalBytes -= old.weight;
    }
    this.#entries.set(key, { value, weight });
    this.#totalBytes += weight;
    for (const [oldest, entry] of this.#entries) {
      if (this.#totalBytes <= this.#maxTotalBytes) break;
      this.#entries.delete(oldest);
      this.#totalBytes -= entry.weight;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entries' weights together: at most `maxTotalBytes` once `set` returns. */
  get totalBytes(): number {
    return this.#totalBytes;
  }
}

/**
 * Heap a parsed document is taken to hold per token. graphql-js keeps every token of the text
 * (a linked list that each node's location points into) and a location per node: about 280 to
 * 480 bytes a token, measured on Node 20, 22 and 24 with graphql 16 (the most for a list of bare
 * fields, where each token is a field, its name and two locations). Counted by the text's length
 * alone, a document of bare fields takes 240 bytes a character, a long string literal 9.
 */
const BYTES_PER_TOKEN = 512;

/**
 * An estimate of the heap a parsed document takes: its tokens (walked from its location, so only
 * on a cache miss, after a parse that read them all) and its text, held as the key and in the
 * document's source. A document parsed without locations is counted by its text alone, as if
 * every other character were a token.
 */
export function parsedDocumentBytes(text: string, document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens += 1;
  if (tokens === 0) tokens = Math.ceil(text.length / 2);
  return tokens * BYTES_PER_TOKEN + text.length * 2;
}

/**
 * Parsed documents of up to 16 KiB of text, about 16 MiB of heap in all (a parsed document takes
 * some 70 times its text: every token is kept). Clients send the same few documents with
 * variables, so a thousand typical ones is plenty; documents that differ by a literal each time
 * (an id, a search) only pass through it.
 */
export const DOCUMENT_CACHE = {
  maxEntryBytes: 16_384,
  maxTotalBytes: 16 * 1024 * 1024,
  weigh: parsedDocumentBytes,
};

/**
 * Texts that do not parse, with their error: about 3 KB each however short the text (a
 * GraphQLError keeps its stack), so 2 MiB holds some 700 (counted by text alone, distinct
 * short texts could make it hold hundreds of thousands).
 */
export const ERROR_CACHE = {
  maxEntryBytes: 16_384,
  maxTotalBytes: 2 * 1024 * 1024,
  weigh: (text: string) => 3_072 + text.length * 2,
};

/** Yoga's parse cache as the gateway makes it. */
export function documentCacheFor(): ByteBoundedCache<DocumentNode> {
  return new ByteBoundedCache<DocumentNode>(DOCUMENT_CACHE);
}

/** Yoga's cache of parse errors as the gateway makes it. */
export function errorCacheFor(): ByteBoundedCache<Error> {
  return new ByteBoundedCache<Error>(ERROR_CACHE);
}
