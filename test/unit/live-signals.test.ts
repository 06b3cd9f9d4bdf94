import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ForemanApi } from '../../src/foreman/api.js';
import type { AuditRecord, ComputeResourceRecord, ImageRecord } from '../../src/foreman/records.js';
import { MemoryChangeBus } from '../../src/live/bus.js';
import { withChildSignal } from '../../src/live/child-signal.js';
import { ExpiringSet } from '../../src/live/expiring-set.js';
import { LiveChanges } from '../../src/live/live-changes.js';
import type { ChangeNotice } from '../../src/live/notices.js';
import { createLogger } from '../../src/logger.js';

/**
 * A subscription lives for hours; each poll of the audit log and each delivery of a change under
 * it lasts a moment. Nothing made for one of those may stay attached to the subscription's
 * signal, or memory grows with every poll for as long as anyone is subscribed.
 */

describe('withChildSignal', () => {
  it('leaves no listener on the parent once the work is done, whether it succeeded or failed', async () => {
    const parent = new AbortController();
    for (let i = 0; i < 50; i++) {
      await withChildSignal(parent.signal, async () => i);
      await withChildSignal(parent.signal, async () => {
        throw new Error('failed');
      }).catch(() => undefined);
    }
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the work when the parent aborts, with the parent’s reason', async () => {
    const parent = new AbortController();
    const reason = new Error('nobody is subscribed any more');
    const running = withChildSignal(parent.signal, (signal) =>
      sleep(10_000, undefined, { signal }).then(() => 'finished'),
    );
    parent.abort(reason);
    await expect(running).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('hands an aborted signal to work started after the parent aborted', async () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    const seen = await withChildSignal(parent.signal, async (signal) => signal.aborted);
    expect(seen).toBe(true);
  });
});

describe('LiveChanges', () => {
  const computeResource = { id: 1, name: 'libvirt' } as ComputeResourceRecord;
  const image = { id: 7, name: 'web', compute_resource_id: 1 } as ImageRecord;
  const notice = (n: number): ChangeNotice => ({
    action: 'updated',
    imageId: image.id,
    places: [{ computeResourceId: 1 }],
    at: new Date().toISOString(),
    by: 'admin',
    requestId: `write-${n}`,
    source: 'gateway',
  });

  it('detaches every poll and delivery from the subscription once done', async () => {
    const handed: AbortSignal[] = [];
    const api = (_caller: unknown, signal: AbortSignal) => {
      handed.push(signal);
      return {
        image: async () => image,
        record: async () => computeResource,
        imageAudits: async (): Promise<AuditRecord[]> => [],
      } as unknown as ForemanApi;
    };
    const bus = new MemoryChangeBus();
    const live = new LiveChanges({
      api,
      credentialId: async (authorization) => authorization,
      bus,
      pollIntervalMs: 5,
      graceMs: 1_000,
      maxSubscriptions: 10,
      maxSubscriptionsPerCaller: 10,
      pollConcurrency: 1,
      logger: createLogger('silent'),
    });
    const ended = new AbortController();
    const stream = await live.subscribe(
      { authorization: 'Basic eDp5', address: '127.0.0.1' },
      {},
      ended.signal,
    );
    for (let n = 0; n < 30; n++) live.announce(notice(n));
    for (let n = 0; n < 30; n++)
      expect((await stream.next()).value).toMatchObject({ requestId: `write-${n}` });
    await sleep(100);
    const polls = handed.length - 30;
    expect(polls).toBeGreaterThan(5);
    // Everyone leaves: the group's signal fires. Work already done must no longer be attached
    // to it (a signal still attached would fire too).
    const done = handed.slice(0, -1);
    ended.abort();
    await sleep(10);
    expect(live.subscriptions).toBe(0);
    expect(done.filter((signal) => signal.aborted)).toEqual([]);
    await live.close();
    await bus.close();
  });
});

describe('ExpiringSet', () => {
  it('tells a key once while it is fresh, again once it expired, and keeps only fresh keys', () => {
    const told = new ExpiringSet(1_000);
    expect(told.add('a', 0)).toBe(true);
    expect(told.add('a', 999)).toBe(false);
    expect(told.add('b', 500)).toBe(true);
    expect(told.add('a', 1_000)).toBe(true);
    expect(told.has('b', 1_400)).toBe(true);
    expect(told.add('c', 1_600)).toBe(true);
    // b (until 1 500) is gone; a (until 2 000) and c remain.
    expect(told.size).toBe(2);
    told.delete('c');
    expect(told.add('c', 1_600)).toBe(true);
  });
});
