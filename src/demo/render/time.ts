/**
 * rabl dumps TimeWithZone#to_s in the user's timezone: "2024-05-01 12:34:56 UTC" for UTC
 * users, "2024-05-01 14:34:56 +0200" for a user at +02:00.
 */
export function renderTime(date: Date | null, utcOffsetMinutes: number): string | null {
  if (!date) return null;
  const local = new Date(date.getTime() + utcOffsetMinutes * 60_000).toISOString();
  const stamp = `${local.slice(0, 10)} ${local.slice(11, 19)}`;
  if (utcOffsetMinutes === 0) return `${stamp} UTC`;
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(utcOffsetMinutes);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${stamp} ${sign}${hh}${mm}`;
}

/** Rails' as_json for raw records (DELETE bodies): ISO 8601 with milliseconds. */
export function isoTime(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
