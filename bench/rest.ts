import type { Dispatcher } from 'undici';

/** One REST call as the demo recorded it (method, path, decoded query). */
export interface RestCall {
  method: string;
  path: string;
  query: Record<string, string>;
}

export class UnexpectedStatus extends Error {
  override readonly name = 'UnexpectedStatus';
  constructor(
    readonly status: number,
    readonly path: string,
  ) {
    super(`${status} from ${path}`);
  }
}

/**
 * A GET answered with JSON, sent like the gateway's client sends it (same headers, whole body read
 * and parsed), so direct replays and the naive model pay what the gateway pays per call.
 * Returns the status too: the naive foremanId walk expects 404s.
 */
export async function getRaw<T>(
  dispatcher: Dispatcher,
  authorization: string,
  path: string,
  query: Record<string, string> = {},
): Promise<{ status: number; body: T | undefined }> {
  const search = new URLSearchParams(query).toString();
  const response = await dispatcher.request({
    method: 'GET',
    path: `${path}${search ? `?${search}` : ''}`,
    headers: { accept: 'application/json', 'accept-language': 'en', authorization },
  });
  // Always drain the body: an unread body keeps the pooled socket busy.
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300) {
    return { status: response.statusCode, body: undefined };
  }
  return { status: response.statusCode, body: JSON.parse(text) as T };
}

/** A GET that must succeed. */
export async function getJson<T>(
  dispatcher: Dispatcher,
  authorization: string,
  path: string,
  query: Record<string, string> = {},
): Promise<T> {
  const { status, body } = await getRaw<T>(dispatcher, authorization, path, query);
  if (body === undefined) throw new UnexpectedStatus(status, path);
  return body;
}

/** `METHOD path?query`, the readable form used in logs and in the JSON output. */
export function describeCall(call: RestCall): string {
  const search = new URLSearchParams(call.query).toString();
  return `${call.method} ${call.path}${search ? `?${decodeURIComponent(search.replace(/\+/g, ' '))}` : ''}`;
}
