import type { Dispatcher } from 'undici';
import { getJson } from './rest.js';

/** One reference query as a GraphQL request body, plus what a correct answer looks like. */
export interface ReferenceQuery {
  id: string;
  title: string;
  body: { query: string; variables: Record<string, unknown> };
  /** Returns a problem with a (successful) response body, or undefined when it is as expected. */
  check(response: unknown): string | undefined;
}

/** The smallest query there is: one record by id, one field, one upstream call. */
const R0_QUERY = `{
  architecture(id: "1") { name }
}`;

/** Compute resource 2 (vcenter-prod) has 300 images: `first: 100` is a real window. */
const R1_QUERY = `{
  images(computeResourceId: "2", first: 100) {
    nodes { name architecture { name } operatingSystem { title } }
  }
}`;

const R2_QUERY = `{
  images(computeResourceId: "2", first: 100) {
    nodes { name architecture { name createdAt } operatingSystem { name major } }
  }
}`;

const R3_QUERY = `{
  images(first: 1000) { nodes { name architecture { name } } }
}`;

const R4_QUERY = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Image { foremanId name } }
}`;

/** Each reference query's document, by id: the floor server recognises a request by it. */
export const QUERY_DOCUMENTS: Readonly<Record<string, string>> = {
  R0: R0_QUERY,
  R1: R1_QUERY,
  R2: R2_QUERY,
  R3: R3_QUERY,
  R4: R4_QUERY,
};

/** The Foreman ids R4 looks up; picked from the demo's REST API (see pickEntityImageIds). */
export function referenceQueries(entityImageIds: readonly number[]): ReferenceQuery[] {
  return [
    {
      id: 'R0',
      title: 'one architecture by id, `architecture(id: "1") { name }`',
      body: { query: R0_QUERY, variables: {} },
      check: (response) => {
        const problem = graphqlErrors(response);
        if (problem) return problem;
        const name = (dataOf(response)?.architecture as { name?: unknown } | null)?.name;
        return typeof name === 'string' && name !== '' ? undefined : 'no architecture name';
      },
    },
    {
      id: 'R1',
      title: 'first 100 images of CR 2, `architecture { name }`, `operatingSystem { title }`',
      body: { query: R1_QUERY, variables: {} },
      check: expectNodes('images', 100),
    },
    {
      id: 'R2',
      title: 'same, `architecture { name createdAt }`, `operatingSystem { name major }`',
      body: { query: R2_QUERY, variables: {} },
      check: expectNodes('images', 100),
    },
    {
      id: 'R3',
      title: '`images(first: 1000)` across all CRs with `architecture { name }`',
      body: { query: R3_QUERY, variables: {} },
      // The seed has 464 images in all.
      check: expectNodes('images', 464),
    },
    {
      id: 'R4',
      title: `\`_entities\` for ${entityImageIds.length} images by \`foremanId\` (CRs 1–6)`,
      body: {
        query: R4_QUERY,
        variables: {
          representations: entityImageIds.map((foremanId) => ({ __typename: 'Image', foremanId })),
        },
      },
      check: (response) => {
        const entities = dataOf(response)?._entities;
        if (!Array.isArray(entities)) return 'no _entities list';
        const found = entities.filter(
          (entity) => typeof (entity as { foremanId?: unknown } | null)?.foremanId === 'number',
        ).length;
        return found === entityImageIds.length
          ? undefined
          : `${found} of ${entityImageIds.length} entities resolved`;
      },
    },
  ];
}

function dataOf(response: unknown): Record<string, unknown> | undefined {
  const body = response as { data?: Record<string, unknown> | null; errors?: unknown[] };
  return body?.data ?? undefined;
}

function graphqlErrors(response: unknown): string | undefined {
  const errors = (response as { errors?: unknown[] }).errors;
  return errors?.length ? `GraphQL errors: ${JSON.stringify(errors).slice(0, 300)}` : undefined;
}

function expectNodes(field: string, count: number): (response: unknown) => string | undefined {
  return (response) => {
    const problem = graphqlErrors(response);
    if (problem) return problem;
    const nodes = (dataOf(response)?.[field] as { nodes?: unknown[] } | null)?.nodes;
    if (!Array.isArray(nodes)) return `no ${field}.nodes`;
    return nodes.length === count ? undefined : `${nodes.length} nodes, expected ${count}`;
  };
}

/**
 * 100 real image ids spread over compute resources 1–6, taken round-robin (lowest ids first) so
 * every compute resource contributes until it runs out (CR 6 has only 7 images). Read from the
 * demo's REST API rather than hard-coded, so a reseeded demo still gets real ids.
 */
export async function pickEntityImageIds(
  dispatcher: Dispatcher,
  authorization: string,
  count = 100,
): Promise<number[]> {
  const perComputeResource: number[][] = [];
  for (const computeResourceId of [1, 2, 3, 4, 5, 6]) {
    const page = await getJson<{ results: Array<{ id: number }> }>(
      dispatcher,
      authorization,
      `/api/compute_resources/${computeResourceId}/images`,
      { page: '1', per_page: 'all', order: 'id' },
    );
    perComputeResource.push(page.results.map((image) => image.id));
  }
  const picked: number[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const ids of perComputeResource) {
      const id = ids[round];
      if (id !== undefined && picked.length < count) picked.push(id);
    }
    if (picked.length === before) {
      throw new Error(`the demo has only ${picked.length} images in CRs 1–6, ${count} needed`);
    }
  }
  return picked;
}
