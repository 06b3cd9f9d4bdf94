import type { Dispatcher } from 'undici';
import { ConcurrencyLimiter } from '../src/foreman/http/limiter.js';
import { getJson, getRaw, UnexpectedStatus } from './rest.js';

/**
 * What a naive REST-to-GraphQL resolver set would send for each reference query: no DataLoader,
 * no per-request cache, no use of what a row already says. Each resolver fetches what it names:
 * `Image.architecture` is `GET /api/architectures/:id`, `Image.operatingSystem` is
 * `GET /api/operatingsystems/:id`, one per image row, whatever fields are selected.
 *
 * The model is given the gateway's transport for free, so only batching differs: the same
 * keep-alive pool, the same cap on calls in flight per query (graphql-js would otherwise start
 * every row's resolvers at once), and responses parsed as JSON. It skips GraphQL parsing,
 * validation, execution and serialisation, so its latency is a LOWER bound for a naive gateway.
 * See bench/README.md ("The naive model").
 */
export type NaiveQuery = (client: NaiveClient) => Promise<void>;

export interface NaiveClient {
  /** GET that must answer 2xx. */
  get<T>(path: string, query?: Record<string, string>): Promise<T>;
  /** GET where 404 means "not here" (undefined); any other non-2xx is an error. */
  find<T>(path: string): Promise<T | undefined>;
}

export function naiveClient(
  dispatcher: Dispatcher,
  authorization: string,
  perQueryConcurrency: number,
): NaiveClient {
  // One limiter per query execution, like the gateway's per-request UPSTREAM_CONCURRENCY.
  const limiter = new ConcurrencyLimiter(perQueryConcurrency);
  return {
    get: (path, query) => limiter.run(() => getJson(dispatcher, authorization, path, query)),
    find: (path) =>
      limiter.run(async () => {
        const { status, body } = await getRaw<never>(dispatcher, authorization, path);
        if (status === 404) return undefined;
        if (body === undefined) throw new UnexpectedStatus(status, path);
        return body;
      }),
  };
}

interface ImageRow {
  id: number;
  architecture_id: number;
  operatingsystem_id: number;
}

interface Page<T> {
  results: T[];
}

/** R0: the architecture's own record; a naive resolver needs nothing more for one field. */
async function architecture1(client: NaiveClient): Promise<void> {
  await client.get('/api/architectures/1');
}

/** R1 and R2 alike: the naive resolvers fetch whole records, whatever the selection. */
async function imagesOfComputeResource2(client: NaiveClient): Promise<void> {
  const page = await client.get<Page<ImageRow>>('/api/compute_resources/2/images', {
    page: '1',
    per_page: '100',
    order: 'id',
  });
  await Promise.all(
    page.results.flatMap((image) => [
      client.get(`/api/architectures/${image.architecture_id}`),
      client.get(`/api/operatingsystems/${image.operatingsystem_id}`),
    ]),
  );
}

/** R3: list compute resources, each one's images (`first: 1000`), then one GET per row's architecture. */
async function imagesEverywhere(client: NaiveClient): Promise<void> {
  const computeResources = await client.get<Page<{ id: number }>>('/api/compute_resources', {
    page: '1',
    per_page: 'all',
  });
  const pages = await Promise.all(
    computeResources.results.map((computeResource) =>
      client.get<Page<ImageRow>>(`/api/compute_resources/${computeResource.id}/images`, {
        page: '1',
        per_page: '1000',
        order: 'id',
      }),
    ),
  );
  const rows = pages.flatMap((page) => page.results).slice(0, 1000);
  await Promise.all(rows.map((image) => client.get(`/api/architectures/${image.architecture_id}`)));
}

/**
 * R4: an image's Foreman id alone does not name its parent, and Foreman lists and shows images only
 * under one. Like the gateway, the naive resolver searches architectures (there are few, and every
 * image has one): per representation, `GET /api/architectures/:a/images/:id` for each architecture
 * in Foreman's order until one answers 200. The architecture list itself is read once per query, a
 * concession to the naive model (a truly cache-less resolver would read it once per entity).
 */
function entitiesByForemanId(imageIds: readonly number[]): NaiveQuery {
  return async (client) => {
    const architectures = await client.get<Page<{ id: number }>>('/api/architectures', {
      page: '1',
      per_page: 'all',
    });
    await Promise.all(
      imageIds.map(async (imageId) => {
        for (const architecture of architectures.results) {
          const image = await client.find(
            `/api/architectures/${architecture.id}/images/${imageId}`,
          );
          if (image !== undefined) return;
        }
        throw new Error(`image ${imageId} not found under any architecture`);
      }),
    );
  };
}

export function naiveQueries(entityImageIds: readonly number[]): Record<string, NaiveQuery> {
  return {
    R0: architecture1,
    R1: imagesOfComputeResource2,
    R2: imagesOfComputeResource2,
    R3: imagesEverywhere,
    R4: entitiesByForemanId(entityImageIds),
  };
}
