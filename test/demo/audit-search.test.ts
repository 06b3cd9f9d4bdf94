import { describe, expect, it } from 'vitest';
import { auditedChangesYaml } from '../../src/demo/audits/yaml.js';
import { DemoStore } from '../../src/demo/index.js';
import { auditSearch } from '../../src/demo/search/audit-search.js';
import { compileSearch } from '../../src/demo/search/evaluator.js';
import { parseTemporal } from '../../src/demo/search/temporal.js';
import type { DemoAccount } from '../../src/demo/users.js';

const NOW = new Date('2024-05-01T10:00:05Z');
const UTC = { now: NOW, utcOffsetMinutes: 0 };
const at = (iso: string) => new Date(iso).getTime();
const HOUR = 3_600_000;

describe("scoped_search 4.1.12's parse_temporal", () => {
  it('reads dates as midnight in the user zone, with a one-day span', () => {
    expect(parseTemporal('2024-04-30', UTC)).toEqual({
      at: at('2024-04-30T00:00:00Z'),
      spanMs: 24 * HOUR,
    });
    expect(parseTemporal('2024-04-30', { now: NOW, utcOffsetMinutes: 120 })).toEqual({
      at: at('2024-04-29T22:00:00Z'),
      spanMs: 24 * HOUR,
    });
    expect(parseTemporal('today', UTC)?.at).toBe(at('2024-05-01T00:00:00Z'));
    expect(parseTemporal('yesterday', UTC)?.at).toBe(at('2024-04-30T00:00:00Z'));
    expect(parseTemporal('3 days ago', UTC)?.at).toBe(at('2024-04-28T00:00:00Z'));
    expect(parseTemporal('2 months ago', UTC)?.at).toBe(at('2024-03-01T00:00:00Z'));
  });

  it('gives times a one-hour span, and "N minutes ago" one minute', () => {
    expect(parseTemporal('2024-05-01 10:00:05', UTC)).toEqual({ at: NOW.getTime(), spanMs: HOUR });
    expect(parseTemporal('2024-05-01T12:00:05+02:00', UTC)?.at).toBe(NOW.getTime());
    expect(parseTemporal('1 hours ago', UTC)).toEqual({ at: NOW.getTime() - HOUR, spanMs: HOUR });
    expect(parseTemporal('5 minutes ago', UTC)).toEqual({
      at: NOW.getTime() - 5 * 60_000,
      spanMs: 60_000,
    });
  });

  it('fails on what Time.zone.parse cannot read', () => {
    for (const value of ['soon', '2024-02-31', '2024-05-01 25:00', '']) {
      expect(parseTemporal(value, UTC), value).toBeNull();
    }
  });
});

describe('the time field of audits', () => {
  const store = new DemoStore();
  const admin = { id: 4, login: 'admin', utcOffsetMinutes: 0 } as DemoAccount;
  // After the whole seeded history.
  const definition = auditSearch(store, admin, new Date('2026-01-01T00:00:00Z'));
  const someDay = store.audits[100]?.createdAt.toISOString().slice(0, 10) ?? '';
  const nextDay = new Date(at(`${someDay}T00:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
  const ids = (query: string) => {
    const predicate = compileSearch(query, definition);
    return store.audits.filter((a) => predicate === null || predicate(a)).map((a) => a.id);
  };
  const createdIn = (from: string, to: string) =>
    store.audits
      .filter((a) => a.createdAt.getTime() >= at(from) && a.createdAt.getTime() < at(to))
      .map((a) => a.id);

  it('widens = to the whole day and moves > past the span', () => {
    const day = createdIn(`${someDay}T00:00:00Z`, `${nextDay}T00:00:00Z`);
    expect(day.length).toBeGreaterThan(0);
    expect(ids(`time = ${someDay}`)).toEqual(day);
    expect(ids(`time > ${someDay}`)).toEqual(createdIn(`${nextDay}T00:00:00Z`, '2100-01-01'));
    expect(ids(`time >= ${someDay}`)).toEqual(createdIn(`${someDay}T00:00:00Z`, '2100-01-01'));
    expect(ids(`time <= ${someDay}`)).toEqual(createdIn('2000-01-01', `${nextDay}T00:00:00Z`));
  });

  it('matches nothing for time > "1 hours ago", and drops an unparsable time', () => {
    expect(ids('time > "1 hours ago"')).toEqual([]);
    expect(ids('time > soon')).toHaveLength(store.audits.length);
  });

  it('refuses LIKE on a parsable time', () => {
    expect(() => compileSearch('time ~ 2024-03-12', definition)).toThrow(
      "the operator 'like' is not supported for field type 'datetime'",
    );
  });
});

describe('audited_changes as YAML text', () => {
  it('dumps keys in order, lists as sequences, and quotes what YAML would misread', () => {
    expect(
      auditedChangesYaml({
        name: ['old', 'new'],
        user_data: false,
        iam_role: null,
        password: '[redacted]',
        uuid: 'Templates/rhel-9',
      }),
    ).toBe(
      '---\nname:\n- old\n- new\nuser_data: false\niam_role: \npassword: "[redacted]"\nuuid: Templates/rhel-9\n',
    );
  });
});
