import { randomUUID } from 'node:crypto';

/**
 * Rails' ActionDispatch::RequestId (actionpack 6.1): the inbound X-Request-Id with every
 * character outside [A-Za-z0-9_@-] removed and cut to 255 characters, or a random UUID when the
 * header is absent or blank. The result is `request.uuid`, which audited stores as the audits'
 * request_uuid, and Rails echoes it in the response's X-Request-Id. A punctuation-only header is
 * present, not blank, so it yields "".
 */
export function requestIdFor(header: string | undefined): string {
  if (header === undefined || /^\s*$/u.test(header)) return randomUUID();
  return header.replace(/[^\w@-]/g, '').slice(0, 255);
}
