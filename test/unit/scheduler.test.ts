import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/foreman/errors.js';
import { BACKGROUND, type Slot, UpstreamScheduler } from '../../src/foreman/http/scheduler.js';

/** A scheduler on a clock the test moves, with the order in which calls got their slots. */
function scheduler(slots: number, backgroundSlots = 1) {
  let now = 0;
  const instance = new UpstreamScheduler({ slots, backgroundSlots, now: () => now });
  const started: string[] = [];
  const refused: string[] = [];
  const slotsOf = new Map<string, Slot>();
  const call = (name: string, share: string, deadline = 1_000_000, route = '/api/x') =>
    instance.acquire({ share, route, deadline }).then(
      (slot) => {
        started.push(name);
        slotsOf.set(name, slot);
      },
      (error: unknown) => {
        refused.push(name);
        return error;
      },
    );
  return {
    instance,
    started,
    refused,
    call,
    finish: (name: string) => slotsOf.get(name)?.release(),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('UpstreamScheduler: fair shares', () => {
  it('one caller alone gets every slot', async () => {
    const s = scheduler(4);
    for (let n = 0; n < 6; n++) void s.call(`a${n}`, 'alice');
    await settle();
    expect(s.started).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(s.instance.waiting).toBe(2);
  });

  it('a burst of one caller does not stand in front of another’s call', async () => {
    const s = scheduler(2);
    for (let n = 0; n < 10; n++) void s.call(`a${n}`, 'alice');
    void s.call('b0', 'bob');
    await settle();
    expect(s.started).toEqual(['a0', 'a1']);
    // Bob's call is in the next round of turns: one of the next two free slots, not the tenth.
    s.finish('a0');
    s.finish('a1');
    await settle();
    expect(s.started.slice(2)).toEqual(['a2', 'b0']);
    s.finish('a2');
    s.finish('b0');
    await settle();
    expect(s.started.slice(4)).toEqual(['a3', 'a4']);
  });

  it('takes turns between callers, oldest call first within each', async () => {
    const s = scheduler(1);
    void s.call('first', 'x');
    await settle();
    for (const name of ['a0', 'a1', 'a2']) void s.call(name, 'alice');
    for (const name of ['b0', 'b1']) void s.call(name, 'bob');
    for (const name of ['c0']) void s.call(name, 'carol');
    for (const name of ['first', 'a0', 'b0', 'c0', 'a1', 'b1']) {
      s.finish(name);
      await settle();
    }
    expect(s.started).toEqual(['first', 'a0', 'b0', 'c0', 'a1', 'b1', 'a2']);
  });

  it('gives background work its own small share', async () => {
    const s = scheduler(4, 1);
    for (let n = 0; n < 3; n++) void s.call(`poll${n}`, BACKGROUND);
    void s.call('a0', 'alice');
    await settle();
    // One background call at a time, however many wait; the caller is not held up by them.
    expect(s.started).toEqual(['poll0', 'a0']);
    s.finish('poll0');
    await settle();
    expect(s.started.at(-1)).toBe('poll1');
  });

  it('a wait cut short by its signal leaves the queue', async () => {
    const s = scheduler(1);
    void s.call('a0', 'alice');
    const gone = new AbortController();
    const waiting = s.instance
      .acquire({ share: 'bob', route: '/api/x', deadline: 1e9, signal: gone.signal })
      .catch((error: unknown) => error);
    gone.abort(new Error('the request ended'));
    expect(await waiting).toMatchObject({ message: 'the request ended' });
    expect(s.instance.waiting).toBe(0);
  });
});

describe('UpstreamScheduler: shedding', () => {
  it('refuses nothing before any call has returned', async () => {
    const s = scheduler(2);
    for (let n = 0; n < 8; n++) void s.call(`c${n}`, `caller${n}`, 1_000);
    await settle();
    expect(s.refused).toEqual([]);
    expect(s.instance.waiting).toBe(6);
  });

  it('from the first answer on, refuses at once what cannot be answered by its deadline', async () => {
    // 2 slots, calls of 1.5 s, a deadline of 4 s: two rounds fit, the third would end at 4.5 s.
    const s = scheduler(2);
    const outcomes = Array.from({ length: 10 }, (_, n) => s.call(`c${n}`, `caller${n}`, 4_000));
    await settle();
    s.advance(1_500);
    s.finish('c0');
    s.finish('c1');
    await settle();
    await settle();
    expect(s.started).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(s.refused.sort()).toEqual(['c4', 'c5', 'c6', 'c7', 'c8', 'c9']);
    const errors = (await Promise.all(outcomes)).filter((e) => e instanceof UpstreamError);
    expect(errors[0]).toMatchObject({ kind: 'overloaded', retryAfterMs: expect.any(Number) });
    expect((errors[0] as UpstreamError).retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });

  it('does not refuse a route nobody is calling: its next call is the probe of how long it takes now', async () => {
    const s = scheduler(1);
    void s.call('slow', 'a', 10_000);
    await settle();
    s.advance(8_000);
    s.finish('slow');
    // The route took 8 s; a call with a 1 s deadline would be refused while others ran, but
    // none does: it goes, and what it takes becomes the estimate.
    void s.call('probe', 'b', 1_000);
    await settle();
    expect(s.started).toEqual(['slow', 'probe']);
    expect(s.refused).toEqual([]);
  });
});

describe('UpstreamScheduler: a share’s own cap', () => {
  it('holds a credential to its cap however many of its calls wait, while others use the rest', async () => {
    let now = 0;
    const instance = new UpstreamScheduler({ slots: 6, backgroundSlots: 1, now: () => now });
    const started: string[] = [];
    for (let n = 0; n < 10; n++) {
      void instance
        .acquire({ share: 'token', route: '/api/x', deadline: 1e9, maxInFlight: 3 })
        .then(() => started.push(`t${n}`));
    }
    for (let n = 0; n < 3; n++) {
      void instance
        .acquire({ share: 'other', route: '/api/x', deadline: 1e9, maxInFlight: 3 })
        .then(() => started.push(`o${n}`));
    }
    await settle();
    expect(started.filter((name) => name.startsWith('t'))).toHaveLength(3);
    expect(started.filter((name) => name.startsWith('o'))).toHaveLength(3);
    expect(instance.inFlight).toBe(6);
    expect(instance.waiting).toBe(7);
    now += 1;
  });

  it('judges a capped share’s waiting calls by its own places, and forgets shares that are gone', async () => {
    let now = 0;
    const instance = new UpstreamScheduler({ slots: 32, backgroundSlots: 1, now: () => now });
    const slots: Slot[] = [];
    const outcomes: Array<Promise<string>> = [];
    // One credential, 2 at a time, calls of 1 s, deadlines at 2.5 s: 2 rounds of 2 fit, not 3,
    // though 30 slots are free.
    for (let n = 0; n < 8; n++) {
      outcomes.push(
        instance.acquire({ share: 'token', route: '/api/x', deadline: 2_500, maxInFlight: 2 }).then(
          (slot) => {
            slots.push(slot);
            return 'started';
          },
          (error: UpstreamError) => error.kind,
        ),
      );
    }
    await settle();
    now = 1_000;
    for (const slot of slots.splice(0)) slot.release();
    await settle();
    await settle();
    now = 2_000;
    for (const slot of slots.splice(0)) slot.release();
    const kinds = await Promise.all(outcomes);
    expect(kinds.filter((kind) => kind === 'started')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'overloaded')).toHaveLength(4);
    expect(instance.shares).toBe(0);
  });
});
