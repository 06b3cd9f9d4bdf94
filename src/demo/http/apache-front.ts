import { apacheErrorPage, type DemoResponse } from './responses.js';

/** Apache httpd's LimitRequestLine default, in bytes. */
export const LIMIT_REQUEST_LINE = 8190;

/**
 * Foreman is usually reached through Apache httpd, which reads the request line
 * ("GET /api/... HTTP/1.1") before anything else and refuses one longer than LimitRequestLine
 * with 414. Rails never sees such a request: no authentication, no failed-login count, no
 * request id. Node's parser only accepts ASCII request targets, so characters are bytes here.
 */
export function requestLineTooLong(method: string, target: string, httpVersion: string): boolean {
  const line = `${method} ${target} HTTP/${httpVersion}`;
  return line.length > LIMIT_REQUEST_LINE;
}

/** Apache's 414 page; Apache closes the connection after a request line it could not read. */
export function uriTooLong(): DemoResponse {
  const message = [
    "<p>The requested URL's length exceeds the capacity",
    'limit for this server.<br />',
    '</p>',
  ].join('\n');
  return {
    status: 414,
    headers: { 'content-type': 'text/html; charset=iso-8859-1', connection: 'close' },
    body: apacheErrorPage(414, message, 'Request-URI Too Long'),
  };
}
