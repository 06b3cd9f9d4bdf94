/**
 * Foreman renders timestamps as `"2024-05-02 09:14:31 UTC"`, or with the user's offset
 * (`"2024-05-01 14:34:56 +0200"`), and raw DELETE rows as ISO 8601.
 * The gateway exposes ISO 8601 in UTC only.
 */
const FOREMAN_TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/;

/** Returns the instant as ISO 8601 UTC (`2024-05-02T09:14:31.000Z`), or null when absent or unreadable. */
export function timestamp(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const match = FOREMAN_TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, date, time, zone] = match;
  const offset = !zone || zone === 'UTC' || zone === 'Z' ? 'Z' : normaliseOffset(zone);
  const instant = new Date(`${date}T${time}${offset}`);
  return Number.isNaN(instant.getTime()) ? null : instant.toISOString();
}

function normaliseOffset(zone: string): string {
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}
