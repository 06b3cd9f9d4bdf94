import type { IncomingHttpHeaders } from 'node:http';
import { fail } from './responses.js';

/** The parts of an HTTP request the demo's handlers look at. */
export interface DemoRequest {
  /** Upper-case; HEAD is routed like GET, as Rails does. */
  method: string;
  /** Pathname as sent (still percent-encoded). */
  path: string;
  /** Decoded query; a repeated key keeps its last value. */
  query: Record<string, string>;
  /** Query pairs in the order sent: Rails' params order matters for nested parents. */
  queryEntries: Array<[string, string]>;
  headers: Record<string, string>;
  rawBody: string;
  /** request.remote_ip, as Rails' RemoteIp works it out (see remote-ip.ts). */
  remoteIp: string;
  /** request.uuid, as Rails' RequestId works it out (see request-id.ts). */
  requestId: string;
}

export function parseTarget(target: string): Pick<DemoRequest, 'path' | 'query' | 'queryEntries'> {
  const url = new URL(target, 'http://demo.invalid');
  const queryEntries = [...url.searchParams.entries()];
  return { path: url.pathname, query: Object.fromEntries(queryEntries), queryEntries };
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Rack's media_type: the Content-Type without parameters, lower-cased; null when absent. */
export function mediaType(request: DemoRequest): string | null {
  const type = request.headers['content-type']
    ?.split(/\s*[;,]\s*/, 1)[0]
    ?.trim()
    .toLowerCase();
  return type ? type : null;
}

/**
 * Rails parses a JSON body on first access to params, which Foreman's first before_action does,
 * so a malformed body is a 400 even before authentication; the body is the unwrapped one of
 * Foreman's JSON-parse-error middleware. Only application/json bodies are parsed.
 */
export function parseJsonBody(request: DemoRequest): unknown {
  if (mediaType(request) !== 'application/json' || request.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(request.rawBody);
  } catch {
    return fail(400, {
      status: 400,
      error: `There was a problem in the JSON you submitted: unexpected token at '${request.rawBody}'`,
    });
  }
}

/**
 * Rails' `params`: body parameters, then query parameters, then path parameters. A key present
 * twice keeps its first position and takes the later value (Hash#merge).
 */
export function mergeParams(
  body: unknown,
  queryEntries: Array<[string, string]>,
  pathParams: Record<string, string>,
): Map<string, unknown> {
  const params = new Map<string, unknown>();
  if (isPlainObject(body)) for (const [key, value] of Object.entries(body)) params.set(key, value);
  for (const [key, value] of queryEntries) params.set(key, value);
  for (const [key, value] of Object.entries(pathParams)) params.set(key, value);
  return params;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parameter as the string Ruby would interpolate (nil becomes ""). */
export function paramString(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
