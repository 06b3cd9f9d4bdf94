import { readFileSync } from 'node:fs';
import { buildSchema, type IntrospectionQuery, introspectionFromSchema } from 'graphql';
import type { DemoUpstream, DemoUser } from '../../src/demo/index.js';
import { basicAuth } from '../helpers/harness.js';

/** Shared pieces of the client conformance tests: each drives the gateway as a frontend would. */

const ROOT = new URL('../../', import.meta.url);

/** Apollo Client's `possibleTypes`, as the repository publishes it for frontends. */
export const possibleTypes = JSON.parse(
  readFileSync(new URL('possible-types.json', ROOT), 'utf8'),
) as Record<string, string[]>;

/** The public schema as introspection, what urql's graphcache takes for schema awareness. */
export function introspection(): IntrospectionQuery {
  return introspectionFromSchema(
    buildSchema(readFileSync(new URL('schema.graphql', ROOT), 'utf8')),
  );
}

export interface SentRequest {
  method: string;
  url: URL;
  /** The JSON body of a POST. */
  body: Record<string, unknown> | undefined;
}

/**
 * A `fetch` for a client library that records what the library sent to the gateway and adds a
 * demo user's credentials, so a test can tell a cache hit from a round trip.
 */
export function recordingFetch(user: DemoUser): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const recording: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    request.headers.set('authorization', basicAuth(user));
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method: request.method, url: new URL(request.url), body });
    return fetch(request);
  };
  return { fetch: recording, sent };
}

/** Foreman ids of a compute resource's images in the demo's database, in id order. */
export function storeImageIds(demo: DemoUpstream, computeResourceId: number): number[] {
  return demo.store.images
    .filter((image) => image.computeResourceId === computeResourceId)
    .map((image) => image.id)
    .sort((a, b) => a - b);
}

/** A valid `createImage` input for a Libvirt compute resource of the demo. */
export function newImageInput(computeResourceId: string, name: string) {
  return {
    computeResourceId,
    name,
    username: 'root',
    uuid: `/var/lib/libvirt/images/${name}.qcow2`,
    password: 'client-test-secret',
    architectureId: '1',
    operatingSystemId: '1',
  };
}

/** `base64("01:Image-<id>")`, written out here rather than imported, as a client sees it. */
export function imageGlobalId(foremanId: number): string {
  return Buffer.from(`01:Image-${foremanId}`).toString('base64');
}

/** An image id in the form issued before ids were stable: `01:Image-<compute resource>-<id>`. */
export function legacyImageId(computeResourceId: number, foremanId: number): string {
  return Buffer.from(`01:Image-${computeResourceId}-${foremanId}`).toString('base64');
}
