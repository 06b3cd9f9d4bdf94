import { UpstreamError } from '../errors.js';

/**
 * Foreman's request slots, shared fairly, and spent only on calls that can still be answered in
 * time. The gateway holds one socket per slot (the pool's size); a call waits here for one, not in
 * the pool, so that:
 * - slots are handed out in turn between callers (their shares: a credential, or a client address
 *   where everyone shares the gateway's own credential), oldest call first within a share: one
 *   caller's burst queues behind itself, not in front of everyone. A share may have a cap of its
 *   own: a credential's calls in flight are bounded (what a revoked one can cost in failed
 *   logins), and background work (audit polls, readiness) has at most `backgroundSlots`. A share
 *   alone gets every slot its cap allows;
 * - a call that cannot get its answer before its deadline, judging by how long calls of its route
 *   took lately and by what is ahead of it, is not started: it is refused at once (OVERLOADED,
 *   with when to try again), instead of taking a slot from a call that could still make it.
 *   Before any call has returned nothing is known, and nothing is refused; from the first answer
 *   on, the whole queue is judged again each time an answer comes.
 */

export interface SchedulerOptions {
  /** Calls in flight at once: the pool's sockets. */
  slots: number;
  /** Of those, at most this many for background work. */
  backgroundSlots: number;
  now?: () => number;
  /** Told how long each call waited for its slot, in ms. */
  onQueued?: (waitMs: number) => void;
  /** Told of each call refused because it could not be answered in time. */
  onShed?: () => void;
}

export interface CallRequest {
  /** Whose turn it is: a credential, a client address, or BACKGROUND. */
  share: string;
  /** The route template (`/api/compute_resources/:id/images`): calls of one route take alike. */
  route: string;
  /** When the call must have its answer by (ms, on the scheduler's clock). */
  deadline: number;
  /** Calls of this share in flight at once (none: as many as there are slots). */
  maxInFlight?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface Slot {
  /** The call is done (its body read, or it failed): the slot goes to the next call. */
  release(): void;
}

/** The share of the gateway's own work, done on nobody's request. */
export const BACKGROUND = 'background';

interface Waiter extends CallRequest {
  queuedAt: number;
  grant(slot: Slot): void;
  refuse(error: unknown): void;
}

interface Running {
  share: string;
  route: string;
  startedAt: number;
}

/** Durations kept per route; the estimate is a low quantile of them. */
const SAMPLES = 16;
/**
 * Which of a route's recent durations stands for how long its calls take: a low one. A burst's
 * answers are read one after another by a busy event loop, so most of them are measured long by
 * the wait to be read, not by Foreman; the quickest read are the truest. Too low an estimate
 * costs a call that times out; too high, a request refused that could have been served.
 */
const QUANTILE = 0.25;

export class UpstreamScheduler {
  readonly #options: Required<Omit<SchedulerOptions, 'onQueued' | 'onShed'>> &
    Pick<SchedulerOptions, 'onQueued' | 'onShed'>;
  /** Waiting calls by share, oldest first. */
  readonly #queues = new Map<string, Waiter[]>();
  /** Shares with waiting calls, in turn order; `#turn` is the next to be served. */
  readonly #ring: string[] = [];
  #turn = 0;
  readonly #running = new Set<Running>();
  /** Calls in flight per share, and each share's cap (from its calls). */
  readonly #runningPerShare = new Map<string, number>();
  readonly #caps = new Map<string, number>();
  /** Each route's recent durations (dispatch to release), and all routes' together. */
  readonly #latency = new Map<string, Durations>();
  readonly #anyLatency = new Durations();
  #judging = false;

  constructor(options: SchedulerOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) {
      throw new RangeError('slots must be a positive integer');
    }
    this.#options = { now: Date.now, ...options };
  }

  /** Waits for a slot; rejects with OVERLOADED, or with the signal's reason. */
  acquire(request: CallRequest): Promise<Slot> {
    request.signal?.throwIfAborted();
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        ...request,
        queuedAt: this.#options.now(),
        grant: (slot) => {
          request.signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        refuse: (error) => {
          request.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        if (this.#remove(waiter)) waiter.refuse(request.signal?.reason);
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.#enqueue(waiter);
      this.#dispatch();
      this.#judgeSoon();
    });
  }

  /** Calls waiting for a slot (for metrics and tests). */
  get waiting(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.length;
    return count;
  }

  get inFlight(): number {
    return this.#running.size;
  }

  /** Shares the scheduler holds anything for (bounded by what is waiting or in flight). */
  get shares(): number {
    return new Set([...this.#queues.keys(), ...this.#runningPerShare.keys(), ...this.#caps.keys()])
      .size;
  }

  #enqueue(waiter: Waiter): void {
    const cap = waiter.share === BACKGROUND ? this.#options.backgroundSlots : waiter.maxInFlight;
    if (cap === undefined) this.#caps.delete(waiter.share);
    else this.#caps.set(waiter.share, cap);
    let queue = this.#queues.get(waiter.share);
    if (!queue) {
      queue = [];
      this.#queues.set(waiter.share, queue);
      // A share that had nothing waiting takes its turn after those that do: each share
      // waiting is served once per round, in the order they came.
      this.#ring.splice(this.#turn, 0, waiter.share);
      this.#turn = (this.#turn + 1) % this.#ring.length;
    }
    queue.push(waiter);
  }

  #remove(waiter: Waiter): boolean {
    const queue = this.#queues.get(waiter.share);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.#dropShare(waiter.share);
    return true;
  }

  #dropShare(share: string): void {
    this.#queues.delete(share);
    if (!this.#runningPerShare.has(share)) this.#caps.delete(share);
    const index = this.#ring.indexOf(share);
    if (index < 0) return;
    this.#ring.splice(index, 1);
    if (index < this.#turn) this.#turn -= 1;
    if (this.#turn >= this.#ring.length) this.#turn = 0;
  }

  /** Hands free slots out, in turn between shares. */
  #dispatch(): void {
    while (this.#running.size < this.#options.slots) {
      const waiter = this.#next();
      if (!waiter) return;
      if (this.#lateAtOnce(waiter)) {
        this.#shed(waiter);
        continue;
      }
      this.#start(waiter);
    }
  }

  /** The next waiter whose share may start one now, taken from its queue. */
  #next(): Waiter | undefined {
    for (let tried = 0; tried < this.#ring.length; tried++) {
      const share = this.#ring[this.#turn] as string;
      const queue = this.#queues.get(share) as Waiter[];
      const blocked =
        (this.#runningPerShare.get(share) ?? 0) >= (this.#caps.get(share) ?? Infinity);
      if (!blocked) {
        const waiter = queue.shift() as Waiter;
        if (queue.length === 0) this.#dropShare(share);
        else this.#turn = (this.#turn + 1) % this.#ring.length;
        return waiter;
      }
      this.#turn = (this.#turn + 1) % this.#ring.length;
    }
    return undefined;
  }

  #start(waiter: Waiter): void {
    const now = this.#options.now();
    const { share } = waiter;
    const running: Running = { share, route: waiter.route, startedAt: now };
    this.#running.add(running);
    this.#runningPerShare.set(share, (this.#runningPerShare.get(share) ?? 0) + 1);
    this.#options.onQueued?.(now - waiter.queuedAt);
    let released = false;
    waiter.grant({
      release: () => {
        if (released) return;
        released = true;
        this.#running.delete(running);
        const left = (this.#runningPerShare.get(share) ?? 1) - 1;
        if (left > 0) this.#runningPerShare.set(share, left);
        else {
          this.#runningPerShare.delete(share);
          // Nothing of this share left: nothing of it is kept (shares come and go by the million).
          if (!this.#queues.has(share)) this.#caps.delete(share);
        }
        this.#observe(running.route, this.#options.now() - running.startedAt);
        this.#dispatch();
        this.#judgeSoon();
      },
    });
  }

  #observe(route: string, durationMs: number): void {
    let durations = this.#latency.get(route);
    if (!durations) {
      // Routes are templates (a fixed set), so this map stays small.
      durations = new Durations();
      this.#latency.set(route, durations);
    }
    durations.add(durationMs);
    this.#anyLatency.add(durationMs);
  }

  #expected(route: string): number | undefined {
    return this.#latency.get(route)?.estimate ?? this.#anyLatency.estimate;
  }

  /**
   * A call whose slot is free now but whose answer would come after its deadline is refused,
   * unless no call of its route is in flight: then it goes, as the probe that tells how long the
   * route takes now (a slow spell would otherwise be remembered for ever).
   */
  #lateAtOnce(waiter: Waiter): boolean {
    const expected = this.#expected(waiter.route);
    if (expected === undefined) return false;
    if (this.#options.now() + expected <= waiter.deadline) return false;
    for (const running of this.#running) if (running.route === waiter.route) return true;
    return false;
  }

  #shed(waiter: Waiter): void {
    this.#options.onShed?.();
    waiter.refuse(this.#overloaded(waiter));
  }

  /** Judges the queue once per turn of the event loop, however many calls came or went. */
  #judgeSoon(): void {
    if (this.#judging || this.#anyLatency.estimate === undefined) return;
    this.#judging = true;
    setImmediate(() => {
      this.#judging = false;
      this.#judge();
    });
  }

  /**
   * Plays the queue forward: each slot frees when its call is expected to end, and the waiting
   * calls take them in the order they would be served. A call that would get its answer after
   * its deadline is refused now, and takes no slot in the play: those behind it move up.
   */
  #judge(): void {
    if (this.waiting === 0) return;
    const now = this.#options.now();
    const expectedEnd = (running: Running) =>
      Math.max(now, running.startedAt + (this.#expected(running.route) ?? 0));
    // When each slot frees, and, for a share with a cap, when each of its places frees.
    const freeAt = new Slots(this.#options.slots, now);
    const shareFreeAt = new Map<string, Slots>();
    for (const [share, cap] of this.#caps) shareFreeAt.set(share, new Slots(cap, now));
    for (const running of this.#running) {
      freeAt.take(expectedEnd(running));
      shareFreeAt.get(running.share)?.take(expectedEnd(running));
    }
    const late: Waiter[] = [];
    for (const waiter of this.#inServiceOrder()) {
      const expected = this.#expected(waiter.route);
      if (expected === undefined) continue;
      const own = shareFreeAt.get(waiter.share);
      const start = Math.max(freeAt.first, own?.first ?? now);
      const end = start + expected;
      if (end > waiter.deadline && !(start <= now && !this.#routeRunning(waiter.route))) {
        late.push(waiter);
        continue;
      }
      freeAt.replaceFirst(end);
      own?.replaceFirst(end);
    }
    for (const waiter of late) {
      this.#remove(waiter);
      this.#shed(waiter);
    }
  }

  #routeRunning(route: string): boolean {
    for (const running of this.#running) if (running.route === route) return true;
    return false;
  }

  /** The waiting calls in the order #next would hand them slots (ignoring the background cap). */
  *#inServiceOrder(): Generator<Waiter> {
    const shares = [...this.#ring.slice(this.#turn), ...this.#ring.slice(0, this.#turn)];
    const positions = new Map(shares.map((share) => [share, 0]));
    for (let left = this.waiting; left > 0; ) {
      for (const share of shares) {
        const queue = this.#queues.get(share) as Waiter[];
        const position = positions.get(share) as number;
        if (position >= queue.length) continue;
        positions.set(share, position + 1);
        left -= 1;
        yield queue[position] as Waiter;
      }
    }
  }

  /** Refused for lack of time: the wait until the queue has room again, as Retry-After. */
  #overloaded(waiter: Waiter): UpstreamError {
    const expected = this.#expected(waiter.route) ?? 1_000;
    const rounds = Math.ceil((this.waiting + 1) / this.#options.slots);
    const retryAfterMs = Math.max(1_000, Math.round(rounds * expected));
    return new UpstreamError({
      kind: 'overloaded',
      status: 0,
      message: `Foreman is busy: this request could not be answered in time (calls like it take about ${Math.round(expected)} ms now, and ${this.waiting} are waiting); try again later`,
      retryAfterMs,
      method: 'GET',
      path: waiter.route,
    });
  }
}

/** When each of a set of places frees, earliest first (a handful: kept sorted by insertion). */
class Slots {
  readonly #times: number[];

  constructor(count: number, now: number) {
    this.#times = Array.from({ length: Math.max(1, Math.min(count, 100_000)) }, () => now);
  }

  get first(): number {
    return this.#times[0] as number;
  }

  /** A place is taken until `until` (a call already in flight). */
  take(until: number): void {
    this.#times[0] = Math.max(this.#times[0] as number, until);
    this.#sortFirst();
  }

  /** The earliest place is taken until `until`. */
  replaceFirst(until: number): void {
    this.#times[0] = until;
    this.#sortFirst();
  }

  /** Moves the first time to its place (the rest are sorted). */
  #sortFirst(): void {
    const times = this.#times;
    const first = times[0] as number;
    let index = 0;
    while (index + 1 < times.length && (times[index + 1] as number) < first) {
      times[index] = times[index + 1] as number;
      index += 1;
    }
    times[index] = first;
  }
}

/** A route's last SAMPLES durations, and a low quantile of them. */
class Durations {
  readonly #samples: number[] = [];
  #next = 0;
  #estimate: number | undefined;

  get estimate(): number | undefined {
    return this.#estimate;
  }

  add(durationMs: number): void {
    if (this.#samples.length < SAMPLES) this.#samples.push(durationMs);
    else this.#samples[this.#next] = durationMs;
    this.#next = (this.#next + 1) % SAMPLES;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    this.#estimate = sorted[Math.floor((sorted.length - 1) * QUANTILE)];
  }
}
