/**
 * Foreman's answers to reads, kept for a short while (UPSTREAM_CACHE_TTL_MS), opt-in. Correct by
 * construction rather than by hope:
 * - an entry is the answer to one credential identity for one URL: nothing read with one
 *   credential is served to another (with a service account, every caller is that account);
 * - only answers that succeeded are kept, frozen (a resolver cannot change one caller's data for
 *   the next), and within UPSTREAM_CACHE_MAX_BYTES counted on the answers' bodies, the least
 *   recently used going first;
 * - every entry records the generations of what it depends on, read before its call was sent:
 *   images (bumped by every image write through any replica, before the write is answered, and by
 *   image rows the audit tail reads) and the catalog (compute resources, operating systems and
 *   architectures, whose names image rows carry: bumped by their audit rows). An entry is used
 *   only while its generations are current, checked on every hit: a write is read back at once,
 *   on any replica (the generations live in Redis when replicas share one);
 * - while the generations cannot be read (Redis away), the cache is not used at all;
 * - a credential Foreman refuses loses every entry at once.
 * Permission changes in Foreman, and changes its audit log does not show to the gateway, are
 * bounded by the TTL.
 */

export interface Generations {
  /** The current generations, read now; undefined when they cannot be read. */
  read(): Promise<GenerationSnapshot | undefined>;
  /** Everything depending on `kind` is out of date from now on, on every replica. */
  bump(kind: GenerationKind): Promise<void>;
}

export type GenerationKind = 'images' | 'catalog';

export interface GenerationSnapshot {
  images: number;
  catalog: number;
}

export interface UpstreamCacheOptions {
  ttlMs: number;
  maxBytes: number;
  generations: Generations;
  now?: () => number;
  /** Told when the cache starts holding entries, and when it holds none any more. */
  onOccupied?: (occupied: boolean) => void;
  /** Told of each lookup: answered, not held, or held but out of date. */
  onLookup?: (outcome: 'hit' | 'miss' | 'stale') => void;
}

interface Entry {
  identity: string;
  value: unknown;
  bytes: number;
  expiresAt: number;
  generations: GenerationSnapshot;
  dependsOnImages: boolean;
}

/** What an entry holds beyond its body: a rough allowance for the key and bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 256;

export class UpstreamCache {
  readonly #options: Required<Omit<UpstreamCacheOptions, 'onOccupied' | 'onLookup'>> &
    Pick<UpstreamCacheOptions, 'onOccupied' | 'onLookup'>;
  /** By identity and URL, least recently used first (Map keeps insertion order). */
  readonly #entries = new Map<string, Entry>();
  readonly #byIdentity = new Map<string, Set<string>>();
  #bytes = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: UpstreamCacheOptions) {
    this.#options = { now: Date.now, ...options };
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The generations now, read before a call whose answer may be kept (see `set`). */
  snapshot(): Promise<GenerationSnapshot | undefined> {
    return this.#options.generations.read();
  }

  /** A current answer for this identity and URL, or undefined. */
  async get(identity: string, url: string): Promise<unknown> {
    const key = entryKey(identity, url);
    const entry = this.#entries.get(key);
    const lookup = this.#options.onLookup;
    if (!entry) {
      lookup?.('miss');
      return undefined;
    }
    if (entry.expiresAt <= this.#options.now()) {
      this.#delete(key, entry);
      lookup?.('miss');
      return undefined;
    }
    const now = await this.#options.generations.read();
    if (!now || !current(entry, now)) {
      // Out of date (or unknowable): dropped, whoever asked.
      if (this.#entries.get(key) === entry) this.#delete(key, entry);
      lookup?.('stale');
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    lookup?.('hit');
    return entry.value;
  }

  /**
   * Keeps an answer that succeeded, frozen, with the generations read before its call was sent:
   * if anything it depends on changed meanwhile, it is out of date from the start.
   */
  set(
    identity: string,
    url: string,
    value: unknown,
    bodyBytes: number,
    generations: GenerationSnapshot,
  ): void {
    const bytes = bodyBytes + url.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.#options.maxBytes) return;
    const key = entryKey(identity, url);
    const old = this.#entries.get(key);
    if (old) {
      // Replaced in place: the key stays this identity's.
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    const wasEmpty = this.#entries.size === 0;
    this.#entries.set(key, {
      identity,
      value,
      bytes,
      expiresAt: this.#options.now() + this.#options.ttlMs,
      generations,
      dependsOnImages: dependsOnImages(url),
    });
    let keys = this.#byIdentity.get(identity);
    if (!keys) {
      keys = new Set();
      this.#byIdentity.set(identity, keys);
    }
    keys.add(key);
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#options.maxBytes) break;
      this.#delete(oldest, entry);
    }
    if (wasEmpty && this.#entries.size > 0) this.#occupied();
  }

  /** Foreman refused this credential: nothing read with it is served again. */
  forgetIdentity(identity: string): void {
    for (const key of this.#byIdentity.get(identity) ?? []) {
      const entry = this.#entries.get(key);
      if (entry) this.#delete(key, entry);
    }
  }

  bump(kind: GenerationKind): Promise<void> {
    return this.#options.generations.bump(kind);
  }

  /** Stops the sweeper (the gateway is stopping). */
  close(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #occupied(): void {
    this.#options.onOccupied?.(true);
    // Expired entries are dropped as they are met; this drops the rest, so that an idle cache
    // ends up empty (and the tail kept for it stops).
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(1_000, this.#options.ttlMs));
    this.#sweeper.unref();
  }

  #sweep(): void {
    const now = this.#options.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#delete(key, entry);
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    const keys = this.#byIdentity.get(entry.identity);
    keys?.delete(key);
    if (keys?.size === 0) this.#byIdentity.delete(entry.identity);
    if (this.#entries.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      this.#options.onOccupied?.(false);
    }
  }
}

function entryKey(identity: string, url: string): string {
  return `${identity}\u0000${url}`;
}

function current(entry: Entry, now: GenerationSnapshot): boolean {
  return (
    entry.generations.catalog === now.catalog &&
    (!entry.dependsOnImages || entry.generations.images === now.images)
  );
}

/**
 * Whether an answer can change when an image does: image lists and lookups, the audit log, and
 * the show answers of architectures and operating systems (which list their images). Compute
 * resources', architectures' and operating systems' own lists do not.
 */
function dependsOnImages(url: string): boolean {
  const path = url.split('?', 1)[0] as string;
  return (
    path.includes('/images') ||
    path.startsWith('/api/audits') ||
    /^\/api\/(architectures|operatingsystems)\/[^/]+$/.test(path)
  );
}

/** The generations of one process: enough for a single replica. */
export class LocalGenerations implements Generations {
  readonly #current: GenerationSnapshot = { images: 0, catalog: 0 };

  async read(): Promise<GenerationSnapshot> {
    return { ...this.#current };
  }

  async bump(kind: GenerationKind): Promise<void> {
    this.#current[kind] += 1;
  }
}
