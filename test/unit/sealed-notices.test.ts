import { describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../src/foreman/changes.js';
import type { DropReason } from '../../src/redis/change-bus.js';
import { reportDrops } from '../../src/redis/dropped-messages.js';
import { decodeNotice, encodeNotice } from '../../src/redis/notice-codec.js';
import { NoticeGate } from '../../src/redis/notice-gate.js';
import { deriveKey } from '../../src/redis/shared-secret.js';
import { FRESH_FOR_MS, SignedMessages } from '../../src/redis/signed-messages.js';

const NOTICE: ChangeNotice = {
  action: 'updated',
  imageId: 42,
  places: [{ computeResourceId: 1, architectureId: 2 }, { computeResourceId: 3 }],
  at: '2026-03-01T12:00:00.123Z',
  by: 'admin',
  requestId: 'b3f0c7e2-1234',
  changes: [
    { attribute: 'name', before: 'web', after: 'web-2' },
    { attribute: 'user_data', before: null, after: true },
  ],
  source: 'gateway',
};

describe('decodeNotice', () => {
  it('takes back what encodeNotice wrote, and only the known fields', () => {
    expect(decodeNotice(JSON.parse(encodeNotice(NOTICE)))).toEqual({ notice: NOTICE });
    const extra = { ...NOTICE, image: { password: 'x' }, places: [{ computeResourceId: 1, x: 1 }] };
    expect(decodeNotice(extra)).toEqual({
      notice: { ...NOTICE, places: [{ computeResourceId: 1 }] },
    });
    expect(decodeNotice({ ...NOTICE, by: null, requestId: null, places: [] })).toEqual({
      notice: { ...NOTICE, by: null, requestId: null, places: [] },
    });
  });

  it.each([
    [null, 'not an object'],
    [42, 'not an object'],
    ['a string', 'not an object'],
    [[NOTICE], 'not an object'],
    [{}, 'bad action'],
    [{ ...NOTICE, action: 'destroyed' }, 'bad action'],
    [{ ...NOTICE, imageId: 0 }, 'bad imageId'],
    [{ ...NOTICE, imageId: 2 ** 31 }, 'bad imageId'],
    [{ ...NOTICE, imageId: 1.5 }, 'bad imageId'],
    [{ ...NOTICE, imageId: '42' }, 'bad imageId'],
    [{ ...NOTICE, places: {} }, 'bad places'],
    [{ ...NOTICE, places: [{}, {}, {}] }, 'bad places'],
    [{ ...NOTICE, places: [null] }, 'bad places'],
    [{ ...NOTICE, places: [{ computeResourceId: -1 }] }, 'bad places.computeResourceId'],
    [{ ...NOTICE, places: [{ architectureId: null }] }, 'bad places.architectureId'],
    [{ ...NOTICE, places: [{ operatingSystemId: 2 ** 40 }] }, 'bad places.operatingSystemId'],
    [{ ...NOTICE, at: 'yesterday' }, 'bad at'],
    [{ ...NOTICE, at: '2026-13-45T99:00:00Z' }, 'bad at'],
    [{ ...NOTICE, at: 1_700_000_000_000 }, 'bad at'],
    [{ ...NOTICE, by: 'x'.repeat(256) }, 'bad by'],
    [{ ...NOTICE, by: 7 }, 'bad by'],
    [{ ...NOTICE, requestId: 'r'.repeat(1_000_000) }, 'bad requestId'],
    [{ ...NOTICE, requestId: undefined }, 'bad requestId'],
    [{ ...NOTICE, changes: undefined }, 'bad changes'],
    [{ ...NOTICE, changes: Array.from({ length: 17 }, () => NOTICE.changes[0]) }, 'bad changes'],
    [{ ...NOTICE, changes: [{ attribute: '', before: null, after: 1 }] }, 'bad changes.attribute'],
    [{ ...NOTICE, changes: [{ attribute: 'name', before: {}, after: 1 }] }, 'bad changes value'],
    [
      { ...NOTICE, changes: [{ attribute: 'name', before: null, after: 'x'.repeat(256) }] },
      'bad changes value',
    ],
    [{ ...NOTICE, source: 'audit' }, 'bad source'],
  ])('refuses %j: %s', (value, problem) => {
    expect(decodeNotice(value)).toEqual({ problem });
  });
});

describe('SignedMessages', () => {
  const current = deriveKey('n'.repeat(32), 'change-bus');
  const previous = deriveKey('o'.repeat(32), 'change-bus');

  function clock(start = 1_800_000_000_000) {
    const time = { now: start };
    return { time, now: () => time.now };
  }

  it('opens what it sealed, once', () => {
    const { now } = clock();
    const messages = new SignedMessages({ signingKey: current, now });
    const sealed = messages.seal('{"a":1}');
    const opened = messages.open(sealed);
    expect(opened).toMatchObject({ body: '{"a":1}', sentAt: now() });
    if ('refused' in opened) throw new Error('refused');
    messages.remember(opened);
    expect(messages.open(sealed)).toEqual({ refused: 'replayed' });
    // A sealed message is never the same twice: the same body again is a new message.
    expect(messages.open(messages.seal('{"a":1}'))).not.toHaveProperty('refused');
  });

  it('refuses a message sealed with another secret, or altered', () => {
    const { now } = clock();
    const mallory = new SignedMessages({
      signingKey: deriveKey('m'.repeat(32), 'change-bus'),
      now,
    });
    const messages = new SignedMessages({ signingKey: current, now });
    expect(messages.open(mallory.seal('{}'))).toEqual({ refused: 'forged' });
    const sealed = messages.seal('{"imageId":1}');
    expect(messages.open(sealed.replace('"imageId":1', '"imageId":2'))).toEqual({
      refused: 'forged',
    });
    // The time is under the MAC too: making a message fresh again breaks it.
    const [version, id, sentAt, ...rest] = sealed.split('.');
    const later = [version, id, String(Number(sentAt) + 1), ...rest].join('.');
    expect(messages.open(later)).toEqual({ refused: 'forged' });
    // A key for another purpose is another key.
    const ledgerKeyed = new SignedMessages({
      signingKey: deriveKey('n'.repeat(32), 'login-ledger'),
      now,
    });
    expect(messages.open(ledgerKeyed.seal('{}'))).toEqual({ refused: 'forged' });
  });

  it('refuses a message stamped more than a window away from its clock, either way', () => {
    const { time, now } = clock();
    const sender = new SignedMessages({ signingKey: current, now });
    const receiver = new SignedMessages({ signingKey: current, now });
    const sealed = sender.seal('{}');
    time.now += FRESH_FOR_MS;
    expect(receiver.open(sealed)).not.toHaveProperty('refused');
    time.now += 1;
    expect(receiver.open(sealed)).toEqual({ refused: 'stale' });
    time.now -= 2 * FRESH_FOR_MS + 2;
    expect(receiver.open(sealed)).toEqual({ refused: 'stale' });
  });

  it('forgets ids only once they would be stale anyway', () => {
    const { time, now } = clock();
    const messages = new SignedMessages({ signingKey: current, now });
    const first = messages.seal('{}');
    const opened = messages.open(first);
    if ('refused' in opened) throw new Error('refused');
    messages.remember(opened);
    time.now += FRESH_FOR_MS;
    expect(messages.open(first)).toEqual({ refused: 'replayed' });
    time.now += 1;
    const other = messages.open(messages.seal('{}'));
    if ('refused' in other) throw new Error('refused');
    messages.remember(other);
    expect(messages.open(first)).toEqual({ refused: 'stale' });
  });

  it('during a rotation accepts the previous secret, and seals with the new one only', () => {
    const { now } = clock();
    const old = new SignedMessages({ signingKey: previous, now });
    const rotated = new SignedMessages({ signingKey: current, verifyingKeys: [previous], now });
    expect(rotated.open(old.seal('{"from":"old"}'))).toMatchObject({ body: '{"from":"old"}' });
    expect(rotated.open(rotated.seal('{}'))).not.toHaveProperty('refused');
    // Replicas still on the old secret do not take the new one's messages.
    expect(old.open(rotated.seal('{}'))).toEqual({ refused: 'forged' });
  });

  it.each([
    ['null', 'malformed'],
    ['42', 'malformed'],
    ['{}', 'malformed'],
    [JSON.stringify(NOTICE), 'malformed'],
    ['v1.short.1.mac.{}', 'malformed'],
    [`v1.${'a'.repeat(22)}.1.${'b'.repeat(43)}.${'x'.repeat(5_000)}`, 'too-large'],
  ])('refuses %s before reading it', (message, refused) => {
    const messages = new SignedMessages({ signingKey: current });
    expect(messages.open(message)).toEqual({ refused });
  });
});

describe('NoticeGate', () => {
  it('passes the same change once within a second', () => {
    const time = { now: 0 };
    const gate = new NoticeGate(100, () => time.now);
    expect(gate.admit(NOTICE)).toBe('pass');
    expect(gate.admit({ ...NOTICE, at: new Date().toISOString() })).toBe('duplicate');
    expect(gate.admit({ ...NOTICE, action: 'deleted' })).toBe('pass');
    expect(gate.admit({ ...NOTICE, requestId: 'another' })).toBe('pass');
    time.now += 1_000;
    expect(gate.admit(NOTICE)).toBe('pass');
  });

  it('passes a burst of its rate at once, then its rate per second', () => {
    const time = { now: 0 };
    const gate = new NoticeGate(5, () => time.now);
    const admit = (n: number) => gate.admit({ ...NOTICE, imageId: n });
    const burst = Array.from({ length: 8 }, (_, n) => admit(n + 1));
    expect(burst.filter((outcome) => outcome === 'pass')).toHaveLength(5);
    expect(burst.slice(5)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
    time.now += 200;
    expect([admit(100), admit(101)]).toEqual(['pass', 'rate-limited']);
    time.now += 10_000;
    const later = Array.from({ length: 6 }, (_, n) => admit(200 + n));
    expect(later.filter((outcome) => outcome === 'pass')).toHaveLength(5);
  });
});

describe('reportDrops', () => {
  it('counts every drop and logs the first of each reason, then one line a minute', () => {
    const time = { now: 0 };
    const counted: DropReason[] = [];
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
    };
    const drop = reportDrops({
      count: (reason) => counted.push(reason),
      logger: logger as never,
      now: () => time.now,
    });
    for (let n = 0; n < 100; n++) drop('forged');
    drop('invalid', 'bad imageId');
    time.now += 60_000;
    drop('forged');
    expect(counted).toHaveLength(102);
    expect(lines.map((line) => line.fields)).toEqual([
      { reason: 'forged', dropped: 1 },
      { reason: 'invalid', problem: 'bad imageId', dropped: 1 },
      { reason: 'forged', dropped: 100 },
    ]);
    expect(lines[0]?.message).toBe(
      'Redis: dropped a message on the change channel: not sealed with SHARED_SECRET (nor SHARED_SECRET_PREVIOUS)',
    );
  });
});
