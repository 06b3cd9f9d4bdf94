import type { TemporalContext } from './fields.js';

/** A parsed search time and the span scoped_search widens it by (see datetimeTest). */
export interface SearchTime {
  /** Epoch milliseconds. */
  at: number;
  spanMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * scoped_search 4.1.12's parse_temporal in the user's time zone, with its span rule: 1 minute
 * for "N minutes ago", else 1 day for a value at midnight and 1 hour otherwise. Dates without a
 * time are midnight in the user's zone. Relative forms: today, yesterday, tomorrow (anywhere in
 * the value, as the unanchored regexps match), "N minutes|hours|days|weeks|months|years
 * ago|from now". Absolute values are the ISO-like forms Time.zone.parse reads, with an optional
 * zone (Z, UTC, GMT, ±hh[:mm]). Null when unparsable: scoped_search then drops the condition.
 */
export function parseTemporal(value: string, context: TemporalContext): SearchTime | null {
  const at = parseInstant(value, context);
  if (at === null) return null;
  const span = /^\s*\d+\s+minutes?\s+ago\s*$/i.test(value)
    ? MINUTE
    : localTimeOfDay(at, context) === 0
      ? DAY
      : HOUR;
  return { at, spanMs: span };
}

function parseInstant(value: string, context: TemporalContext): number | null {
  const now = context.now.getTime();
  if (/\btoday\b/i.test(value)) return localMidnight(now, context);
  if (/\byesterday\b/i.test(value)) return localMidnight(now - DAY, context);
  if (/\btomorrow\b/i.test(value)) return localMidnight(now + DAY, context);
  const relative = /^\s*(\d+)\s+(minute|hour|day|week|month|year)s?\s+(ago|from\s+now)\s*$/i.exec(
    value,
  );
  if (relative?.[1] && relative[2] && relative[3]) {
    const amount = Number(relative[1]) * (relative[3].toLowerCase() === 'ago' ? -1 : 1);
    const unit = relative[2].toLowerCase();
    if (unit === 'minute') return now + amount * MINUTE;
    if (unit === 'hour') return now + amount * HOUR;
    return localMidnight(advance(now, unit, amount, context), context);
  }
  return parseAbsolute(value, context);
}

const ABSOLUTE =
  /^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

function parseAbsolute(value: string, context: TemporalContext): number | null {
  const match = ABSOLUTE.exec(value);
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0'] = match;
  const fields = [year, month, day].map(Number) as [number, number, number];
  const wallClock = Date.UTC(
    fields[0],
    fields[1] - 1,
    fields[2],
    Number(hour),
    Number(minute),
    Number(second),
    Math.floor(Number(`0.${fraction}`) * 1000),
  );
  const check = new Date(wallClock);
  // Time.zone.parse raises (and parse_temporal returns nil) for dates like 2024-02-31.
  if (check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2]) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  return wallClock - zoneOffsetMinutes(match[8], context) * MINUTE;
}

function zoneOffsetMinutes(zone: string | undefined, context: TemporalContext): number {
  if (zone === undefined) return context.utcOffsetMinutes;
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!offset?.[1] || !offset[2]) return 0;
  const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
  return offset[1] === '-' ? -minutes : minutes;
}

/** ActiveSupport's `n.<unit>.ago`/`from_now`: calendar arithmetic on the user's wall clock. */
function advance(at: number, unit: string, amount: number, context: TemporalContext): number {
  const local = new Date(at + context.utcOffsetMinutes * MINUTE);
  if (unit === 'day' || unit === 'week') {
    local.setUTCDate(local.getUTCDate() + amount * (unit === 'week' ? 7 : 1));
  } else {
    const months = amount * (unit === 'year' ? 12 : 1);
    const day = local.getUTCDate();
    local.setUTCDate(1);
    local.setUTCMonth(local.getUTCMonth() + months);
    const lastDay = new Date(
      Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0),
    ).getUTCDate();
    local.setUTCDate(Math.min(day, lastDay));
  }
  return local.getTime() - context.utcOffsetMinutes * MINUTE;
}

/** Midnight of the user's calendar day that contains `at`. */
function localMidnight(at: number, context: TemporalContext): number {
  const shift = context.utcOffsetMinutes * MINUTE;
  return Math.floor((at + shift) / DAY) * DAY - shift;
}

function localTimeOfDay(at: number, context: TemporalContext): number {
  const local = at + context.utcOffsetMinutes * MINUTE;
  return ((local % DAY) + DAY) % DAY;
}
