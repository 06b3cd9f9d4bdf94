import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deepFreeze, Flights } from '../../src/foreman/http/flights.js';
import { LocalGenerations, UpstreamCache } from '../../src/foreman/http/upstream-cache.js';

/** A real collection before each reading: garbage is not growth. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function cache(options: Partial<ConstructorParameters<typeof UpstreamCache>[0]> = {}) {
  let now = 0;
  const generations = new LocalGenerations();
  const instance = new UpstreamCache({
    ttlMs: 1_000,
    maxBytes: 100_000,
    generations,
    now: () => now,
    ...options,
  });
  return { instance, generations, advance: (ms: number) => (now += ms) };
}

describe('UpstreamCache', () => {
  it('answers one identity only, until its TTL', async () => {
    const { instance, advance } = cache();
    const at = await instance.snapshot();
    instance.set('alice', '/api/architectures', { results: [1] }, 20, at as never);
    expect(await instance.get('alice', '/api/architectures')).toEqual({ results: [1] });
    expect(await instance.get('bob', '/api/architectures')).toBeUndefined();
    advance(1_001);
    expect(await instance.get('alice', '/api/architectures')).toBeUndefined();
  });

  it('an answer whose call was sent before a write is out of date from the start', async () => {
    const { instance } = cache();
    // Generations read, the call goes out; meanwhile an image is written.
    const before = await instance.snapshot();
    await instance.bump('images');
    instance.set('alice', '/api/compute_resources/1/images', { results: [] }, 20, before as never);
    instance.set('alice', '/api/compute_resources', { results: [] }, 20, before as never);
    expect(await instance.get('alice', '/api/compute_resources/1/images')).toBeUndefined();
    // A list that image writes cannot change stays current.
    expect(await instance.get('alice', '/api/compute_resources')).toEqual({ results: [] });
    // A catalog change (a compute resource renamed) makes everything out of date.
    await instance.bump('catalog');
    expect(await instance.get('alice', '/api/compute_resources')).toBeUndefined();
  });

  it('forgets every entry of a refused identity', async () => {
    const { instance } = cache();
    const at = (await instance.snapshot()) as never;
    instance.set('alice', '/a', 1, 10, at);
    instance.set('alice', '/b', 2, 10, at);
    instance.set('bob', '/a', 3, 10, at);
    instance.forgetIdentity('alice');
    expect(instance.size).toBe(1);
    expect(await instance.get('bob', '/a')).toBe(3);
  });

  it('holds its bytes within the bound, least recently used out first, and tells when empty', async () => {
    const occupied: boolean[] = [];
    const { instance } = cache({ maxBytes: 5_000, onOccupied: (o) => occupied.push(o) });
    const at = (await instance.snapshot()) as never;
    for (let n = 0; n < 100; n++) instance.set('alice', `/url/${n}`, n, 500, at);
    expect(instance.bytes).toBeLessThanOrEqual(5_000);
    expect(await instance.get('alice', '/url/99')).toBe(99);
    expect(await instance.get('alice', '/url/0')).toBeUndefined();
    instance.forgetIdentity('alice');
    expect(occupied).toEqual([true, false]);
    instance.close();
  });

  it('keeps the heap within a small multiple of its bound, however much is put in', async () => {
    const { instance } = cache({ maxBytes: 1_000_000, ttlMs: 60_000 });
    const at = (await instance.snapshot()) as never;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < 20_000; n++) {
      const body = JSON.stringify({ results: [{ id: n, name: 'x'.repeat(900) }] });
      instance.set('alice', `/api/images/${n}`, deepFreeze(JSON.parse(body)), body.length, at);
    }
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - before;
    expect(instance.bytes).toBeLessThanOrEqual(1_000_000);
    // 20 MB went in; about 1 MB (and its parsed form) stays.
    expect(grown).toBeLessThan(8_000_000);
    instance.close();
  });
});

describe('Flights and what they share', () => {
  it('freezes a shared answer all the way down', async () => {
    const flights = new Flights();
    const leave = new AbortController();
    const { answer } = flights.join('k', leave.signal, async () => ({ rows: [{ id: 1 }] }));
    const value = (await answer) as { rows: Array<{ id: number }> };
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.rows[0])).toBe(true);
    expect(() => {
      (value.rows[0] as { id: number }).id = 2;
    }).toThrow(TypeError);
  });

  it('joins a call in flight under the same key, and not under another', async () => {
    const flights = new Flights();
    let started = 0;
    const start = async () => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return started;
    };
    const signal = new AbortController().signal;
    const a = flights.join('k', signal, start);
    const b = flights.join('k', signal, start);
    const c = flights.join('other', signal, start);
    expect([a.shared, b.shared, c.shared]).toEqual([false, true, false]);
    await Promise.all([a.answer, b.answer, c.answer]);
    expect(started).toBe(2);
    expect(flights.size).toBe(0);
  });
});
