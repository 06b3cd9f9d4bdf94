import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ForemanApi } from '../../src/foreman/api.js';
import type { Caller } from '../../src/foreman/caller.js';
import type { ChangeNotice, ImageWrite } from '../../src/foreman/changes.js';
import type { AuditRecord, ComputeResourceRecord, ImageRecord } from '../../src/foreman/records.js';
import { MemoryChangeBus } from '../../src/live/bus.js';
import { withChildSignal } from '../../src/live/child-signal.js';
import { LiveChanges } from '../../src/live/live-changes.js';
import { ToldChanges } from '../../src/live/told-changes.js';
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
  const write = (n: number): ImageWrite => ({
    action: 'updated',
    before: image,
    after: { ...image, name: `web-${n}` },
    passwordSent: false,
    by: 'admin',
    requestId: `write-${n}`,
  });
  const caller = {
    authorization: 'Basic eDp5',
    identity: 'x',
    login: 'x',
    problem: undefined,
    address: '127.0.0.1',
    forwardedFor: undefined,
    sharedCredential: false,
    share: 'identity:x',
  } satisfies Caller;

  it('detaches every poll and delivery from the subscription once done', async () => {
    const handed: AbortSignal[] = [];
    const api = (_caller: unknown, signal: AbortSignal) => {
      handed.push(signal);
      return {
        image: async () => image,
        record: async () => computeResource,
        changeAudits: async (): Promise<AuditRecord[]> => [],
      } as unknown as ForemanApi;
    };
    const bus = new MemoryChangeBus();
    const live = new LiveChanges({
      api,
      bus,
      pollIntervalMs: 5,
      graceMs: 1_000,
      maxSubscriptions: 10,
      maxSubscriptionsPerCaller: 10,
      pollConcurrency: 1,
      logger: createLogger('silent'),
    });
    const ended = new AbortController();
    const stream = await live.subscribe({ caller } as ForemanApi, {}, ended.signal);
    for (let n = 0; n < 30; n++) live.announce(write(n));
    for (let n = 0; n < 30; n++)
      expect((await stream.next()).value).toMatchObject({ requestId: `write-${n}` });
    await sleep(100);
    // The first poll verified the credential before the subscription began.
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

describe('ToldChanges', () => {
  const change = (source: ChangeNotice['source'], requestId: string | null = 'r1') =>
    ({ action: 'updated', imageId: 7, requestId, source }) as ChangeNotice;

  it('tells a change once, whichever route brings it first', () => {
    const told = new ToldChanges(1_000);
    expect(told.take(change('gateway'), 0)).toBe(true);
    expect(told.take(change('audit'), 10)).toBe(false);
    expect(told.take(change('audit', 'r2'), 10)).toBe(true);
    expect(told.take(change('gateway', 'r2'), 20)).toBe(false);
  });

  it('tells two changes that share a request id twice (a caller may reuse its id)', () => {
    const told = new ToldChanges(1_000);
    expect(told.take(change('gateway'), 0)).toBe(true);
    expect(told.take(change('gateway'), 1)).toBe(true);
    expect(told.take(change('audit'), 2)).toBe(false);
    expect(told.take(change('audit'), 3)).toBe(false);
    // A third write with that id, made outside the gateway, is new.
    expect(told.take(change('audit'), 4)).toBe(true);
  });

  it('forgets a name once both routes have brought it, and tells a later change of it', () => {
    const told = new ToldChanges(600_000);
    for (let n = 0; n < 1_000; n++) {
      expect(told.take(change('gateway', `r${n}`), n)).toBe(true);
      expect(told.take(change('audit', `r${n}`), n + 1)).toBe(false);
    }
    // A thousand writes told by both routes leave nothing for the ten minutes.
    expect(told.size).toBe(0);
    // A change told by one route only is kept for the other.
    expect(told.take(change('gateway', 'lone'), 2_000)).toBe(true);
    expect(told.size).toBe(1);
    // A later change reusing a forgotten name is new.
    expect(told.take(change('audit', 'r7'), 3_000)).toBe(true);
  });

  it('tells a change whose first telling failed, even once the other route has brought it', () => {
    const told = new ToldChanges(600_000);
    expect(told.take(change('audit'), 0)).toBe(true);
    expect(told.take(change('gateway'), 1)).toBe(false);
    // The audit route could not tell it after all: it brings the rows again at its next poll.
    told.giveBack(change('audit'));
    expect(told.take(change('audit'), 2)).toBe(true);
  });

  it('always tells a change without a request id, and forgets names after their time', () => {
    const told = new ToldChanges(1_000);
    expect(told.take(change('gateway', null), 0)).toBe(true);
    expect(told.take(change('audit', null), 0)).toBe(true);
    expect(told.take(change('gateway'), 0)).toBe(true);
    expect(told.take(change('gateway', 'r2'), 1_500)).toBe(true);
    expect(told.size).toBe(1);
    // Given back (not told after all), the other route tells it.
    told.giveBack(change('gateway', 'r2'));
    expect(told.take(change('audit', 'r2'), 1_600)).toBe(true);
  });
});
