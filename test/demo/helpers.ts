import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  DEMO_ADMIN,
  type DemoUpstream,
  type DemoUser,
  startDemoUpstream,
} from '../../src/demo/index.js';

export function basic(user: DemoUser): string {
  return `Basic ${Buffer.from(`${user.login}:${user.password}`).toString('base64')}`;
}

export interface CallOptions {
  method?: string;
  /** A demo user, a raw Authorization header, or null for none. Default: the admin. */
  as?: DemoUser | string | null;
  /** Sent as JSON (with Content-Type: application/json unless `contentType` says otherwise). */
  json?: unknown;
  /** A raw body. */
  body?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult<T> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** One request to the demo upstream over real HTTP. */
export async function call<T = Record<string, unknown>>(
  upstream: DemoUpstream,
  path: string,
  options: CallOptions & { defaultUser: DemoUser },
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const as = options.as === undefined ? options.defaultUser : options.as;
  if (as !== null) headers.authorization = typeof as === 'string' ? as : basic(as);
  let body = options.body;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  const contentType =
    options.contentType === undefined && body !== undefined
      ? 'application/json'
      : options.contentType;
  if (contentType) headers['content-type'] = contentType;
  const response = await fetch(`${upstream.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, headers: response.headers, text, json: parsed as T };
}

/** Foreman's index envelope. */
export interface Envelope<T> {
  total: number;
  subtotal: number;
  page: number;
  per_page: number;
  search: string | null;
  sort: { by: string | null; order: string | null };
  results: T[];
  can_create?: boolean;
  can_edit?: boolean;
}

export interface ImageJson {
  id: number;
  name: string;
  uuid: string;
  username: string;
  operatingsystem_id: number;
  operatingsystem_name: string;
  compute_resource_id: number;
  compute_resource_name: string;
  architecture_id: number;
  architecture_name: string;
  created_at: string;
  updated_at: string;
  user_data?: boolean | null;
  iam_role?: string | null;
  password?: string | null;
}

export interface ErrorJson {
  error: {
    message?: string;
    class?: string;
    id?: number | null;
    errors?: Record<string, string[]>;
    full_messages?: string[];
    details?: string;
    missing_permissions?: string[];
  };
}

/**
 * A demo upstream for one test file: started before its tests, closed after them, and (when asked)
 * back to the pristine seed before each test. `call` defaults to the demo admin.
 */
export function useDemoUpstream(options: { resetDataEachTest?: boolean } = {}) {
  let started: DemoUpstream | undefined;
  beforeAll(async () => {
    started = await startDemoUpstream();
  });
  afterAll(() => started?.close());
  if (options.resetDataEachTest) beforeEach(() => started?.resetData());
  const current = (): DemoUpstream => {
    if (!started) throw new Error('the demo upstream is not started yet');
    return started;
  };
  return {
    get upstream(): DemoUpstream {
      return current();
    },
    call: <T = Record<string, unknown>>(path: string, callOptions: CallOptions = {}) =>
      call<T>(current(), path, { ...callOptions, defaultUser: DEMO_ADMIN }),
  };
}

/** A create body that passes every validation on the Libvirt compute resource 1 (kvm-lab). */
export const validImageBody = {
  name: 'demo-image',
  username: 'root',
  uuid: '/var/lib/libvirt/images/demo-image.qcow2',
  operatingsystem_id: 2,
  architecture_id: 1,
  password: 'hunter2',
};

/** The first seeded image of a compute resource, read from the store. */
export function imageOf(upstream: DemoUpstream, computeResourceId: number) {
  const image = upstream.store.images.find((i) => i.computeResourceId === computeResourceId);
  if (!image) throw new Error(`no image on compute resource ${computeResourceId}`);
  return image;
}
