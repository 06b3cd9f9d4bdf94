import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { printSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { printedSubgraph } from '../../src/schema/print.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { createHostsSubgraph, type HostRecord } from './hosts-subgraph.js';

/*
 *  gateway (Hive gateway runtime, composed by @theguild/federation-composition)
 *    ├─ images: this project, over the demo Foreman      @key(id) @key(foremanId) on all types
 *    └─ hosts:  Host { image, architecture } by foremanId; extends Image with `hosts`
 */

interface ImageRow {
  id: number;
  name: string;
  compute_resource_id: number;
  compute_resource_name: string;
  architecture_id: number;
  architecture_name: string;
}

let harness: Harness;
let hostsServer: ReturnType<typeof createServer>;
let gatewayServer: ReturnType<typeof createServer>;
let gatewayUrl: string;
let hosts: HostRecord[];
let imagesById: Map<number, ImageRow>;

async function restGet<T>(path: string): Promise<T> {
  const response = await fetch(`${harness.demo.url}${path}`, {
    headers: { authorization: basicAuth(DEMO_ADMIN) },
  });
  return (await response.json()) as T;
}

function listenOnLoopback(server: ReturnType<typeof createServer>): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  harness = await startHarness();

  // 50 hosts over 5 compute resources, each built from a real demo image.
  const computeResources = await restGet<{ results: Array<{ id: number }> }>(
    '/api/compute_resources?per_page=all',
  );
  const rows: ImageRow[] = [];
  for (const cr of computeResources.results) {
    const page = await restGet<{ results: ImageRow[] }>(
      `/api/compute_resources/${cr.id}/images?per_page=10&order=id`,
    );
    if (page.results.length === 10) rows.push(...page.results);
    if (rows.length === 50) break;
  }
  expect(rows).toHaveLength(50);
  imagesById = new Map(rows.map((row) => [row.id, row]));
  hosts = rows.map((row, index) => ({
    id: `host-${index + 1}`,
    name: `host${index + 1}.example.com`,
    imageForemanId: row.id,
    architectureForemanId: row.architecture_id,
  }));

  const hostsSchema = createHostsSubgraph(hosts);
  hostsServer = createServer(createYoga({ schema: hostsSchema, logging: false }));
  const hostsUrl = `${await listenOnLoopback(hostsServer)}/graphql`;

  const composed = composeServices([
    { name: 'images', typeDefs: parse(printedSubgraph()), url: `${harness.url}/graphql` },
    { name: 'hosts', typeDefs: parse(printSubgraphSchema(hostsSchema)), url: hostsUrl },
  ]);
  if (composed.errors) throw new AggregateError(composed.errors, 'composition failed');

  const gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        authorization: request.headers.get('authorization'),
      }),
    },
  });
  gatewayServer = createServer(gateway);
  gatewayUrl = `${await listenOnLoopback(gatewayServer)}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => gatewayServer?.close(resolve));
  await new Promise((resolve) => hostsServer?.close(resolve));
  await harness?.close();
});

async function gatewayQuery<D>(query: string): Promise<{ data?: D; errors?: unknown[] }> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: D; errors?: unknown[] };
}

describe('composed with a hosts subgraph in the Hive gateway', () => {
  it('resolves a query across both subgraphs, images by foremanId in a handful of calls', async () => {
    await gatewayQuery('{ __typename }'); // the runtime loads the supergraph lazily
    harness.resetCounts();
    const result = await gatewayQuery<{
      hosts: Array<{
        name: string;
        image: {
          foremanId: number;
          name: string;
          computeResource: { name: string };
          hosts: Array<{ name: string }>;
        };
        architecture: { name: string };
      }>;
    }>(`{ hosts {
          name
          image { foremanId name computeResource { name } hosts { name } }
          architecture { name } } }`);
    expect(result.errors).toBeUndefined();
    const answered = result.data?.hosts ?? [];
    expect(answered).toHaveLength(50);
    answered.forEach((host, index) => {
      const row = imagesById.get(hosts[index]?.imageForemanId ?? 0) as ImageRow;
      expect(host.name).toBe(`host${index + 1}.example.com`);
      expect(host.image).toEqual({
        foremanId: row.id,
        name: row.name,
        computeResource: { name: row.compute_resource_name },
        hosts: [{ name: host.name }],
      });
      expect(host.architecture.name).toBe(row.architecture_name);
    });

    const requests = harness.upstream();
    const architectures = (await restGet<{ results: unknown[] }>('/api/architectures?per_page=all'))
      .results;
    // Images by foremanId: the architecture list plus one `id ^ (…)` call per architecture,
    // never one per image; architectures by foremanId are answered from that same list.
    const imageCalls = requests.filter((r) => /^\/api\/architectures\/\d+\/images$/.test(r.path));
    expect(imageCalls.length).toBeLessThanOrEqual(architectures.length);
    expect(imageCalls.every((r) => r.query.search?.startsWith('id ^ ('))).toBe(true);
    expect(requests.length).toBeLessThanOrEqual(1 + architectures.length + 1);
  });

  it('entities by global id batch into one call per compute resource and one per type', async () => {
    const ids = [...imagesById.values()].map((row) =>
      Buffer.from(`01:Image-${row.compute_resource_id}-${row.id}`).toString('base64'),
    );
    harness.resetCounts();
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Image { foremanId } ... on Architecture { name } } }`,
        variables: {
          r: [
            ...ids.map((id) => ({ __typename: 'Image', id })),
            { __typename: 'Architecture', foremanId: 1 },
            { __typename: 'Architecture', id: Buffer.from('01:Architecture-2').toString('base64') },
          ],
        },
      }),
    });
    const body = (await response.json()) as {
      data: { _entities: Array<{ foremanId?: number; name?: string }> };
    };
    expect(body.data._entities.slice(0, 50).map((e) => e.foremanId)).toEqual([
      ...imagesById.keys(),
    ]);
    const computeResourceCount = new Set([...imagesById.values()].map((r) => r.compute_resource_id))
      .size;
    const requests = harness.upstream();
    expect(
      requests.filter((r) => /^\/api\/compute_resources\/\d+\/images$/.test(r.path)),
    ).toHaveLength(computeResourceCount);
    expect(requests.filter((r) => r.path === '/api/architectures')).toHaveLength(1);
    expect(requests).toHaveLength(computeResourceCount + 1);
  });

  it('an unknown entity is null with an error, the others still resolve', async () => {
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Architecture { name } } }`,
        variables: {
          r: [
            { __typename: 'Architecture', foremanId: 1 },
            { __typename: 'Architecture', foremanId: 9999 },
          ],
        },
      }),
    });
    const body = (await response.json()) as {
      data: { _entities: Array<{ name: string } | null> };
      errors: Array<{ path: unknown[]; extensions: { code: string } }>;
    };
    expect(body.data._entities[0]?.name).toMatch(/\S/);
    expect(body.data._entities[1]).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 1],
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    ]);
  });
});
