import { STATUS_CODES } from 'node:http';

/** An answer before it is written to the socket. */
export interface DemoResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function json(status: number, value: unknown): DemoResponse {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value) };
}

/** Foreman's error layout: `{"error": {...}}`. */
export function errorResponse(status: number, message: string): DemoResponse {
  return json(status, { error: { message } });
}

/** A handler's way out with a finished error response. */
export class DemoHttpError extends Error {
  override readonly name = 'DemoHttpError';

  constructor(readonly response: DemoResponse) {
    super(`HTTP ${response.status}`);
  }
}

export function fail(status: number, value: unknown): never {
  throw new DemoHttpError(json(status, value));
}

/** app/views/api/v2/errors/not_found.json.rabl: names the controller's resource, never the parent. */
export function notFound(resource: string, id: string): never {
  return fail(404, { error: { message: `Resource ${resource} not found by id '${id}'` } });
}

/** Rails' public 404 for unrouted paths: JSON when the client asks for it, else an HTML page. */
export function routingNotFound(accept: string | undefined): DemoResponse {
  if (accept?.toLowerCase().includes('application/json')) {
    return json(404, { status: 404, error: 'Not Found' });
  }
  const body = [
    '<!DOCTYPE html>',
    '<html>',
    "<head><title>The page you were looking for doesn't exist (404)</title></head>",
    '<body>',
    "<h1>The page you were looking for doesn't exist.</h1>",
    '<p>You may have mistyped the address or the page may have moved.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

/** What a reverse proxy (Apache httpd, as foreman-installer sets up) says for 502/503/504. */
export function proxyErrorPage(status: number): string {
  return apacheErrorPage(status, '<p>The proxy server could not handle the request.</p>');
}

/** Apache httpd's built-in error page (ap_send_error_response) with its server signature. */
export function apacheErrorPage(status: number, message: string, reason = STATUS_CODES[status]) {
  const title = reason ?? 'Error';
  return [
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">',
    '<html><head>',
    `<title>${status} ${title}</title>`,
    '</head><body>',
    `<h1>${title}</h1>`,
    message,
    '<hr>',
    '<address>Apache/2.4.62 (Red Hat Enterprise Linux) Server at foreman.example.com Port 443</address>',
    '</body></html>',
    '',
  ].join('\n');
}
