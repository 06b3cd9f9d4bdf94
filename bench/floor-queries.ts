import { timestamp } from '../src/foreman/timestamps.js';

/**
 * The floor server's answers: for each reference query, the REST calls the gateway's plan makes
 * (same paths, same parameters in the same order, same waves) and the `data` of the gateway's
 * answer, built by hand from the parsed upstream JSON. No GraphQL: no parsing, validation,
 * resolvers, DataLoader or per-field work beyond building plain objects. What a real hand-written
 * endpoint would also skip is skipped too: no chunking of long id lists (the reference queries
 * never need it), no retries, no per-request cap (no wave has more than 7 calls; the gateway's cap
 * is 8).
 */
export type Get = <T>(path: string, query: Record<string, string>) => Promise<T>;

export type FloorQuery = (get: Get, variables: Record<string, unknown>) => Promise<unknown>;

interface Page<T> {
  results: T[];
}

interface ImageRow {
  id: number;
  name: string;
  architecture_id: number;
  architecture_name: string | null;
  operatingsystem_id: number;
  operatingsystem_name: string | null;
}

interface ArchitectureRow {
  id: number;
  name: string;
  created_at: string | null;
}

interface OperatingSystemRow {
  id: number;
  name: string;
  major: string | null;
}

/** `id ^ (…)` over distinct ids in first-seen order, as the gateway's DataLoader batches them. */
function byIds(ids: Iterable<number>): { per_page: string; search: string } {
  const distinct = [...new Set(ids)];
  return { per_page: String(distinct.length), search: `id ^ (${distinct.join(',')})` };
}

/** The first 100 images of compute resource 2 (R1 and R2 read the same page). */
function imagesOfComputeResource2(get: Get): Promise<Page<ImageRow>> {
  return get<Page<ImageRow>>('/api/compute_resources/2/images', {
    page: '1',
    per_page: '100',
    order: 'id',
  });
}

const R0: FloorQuery = async (get) => {
  const page = await get<Page<ArchitectureRow>>('/api/architectures', {
    page: '1',
    ...byIds([1]),
  });
  const architecture = page.results.find((row) => row.id === 1);
  return { architecture: architecture ? { name: architecture.name } : null };
};

/** Everything R1 selects is on the image row (the gateway's own shortcut). */
const R1: FloorQuery = async (get) => {
  const page = await imagesOfComputeResource2(get);
  return {
    images: {
      nodes: page.results.map((image) => ({
        name: image.name,
        architecture: { name: image.architecture_name },
        operatingSystem: { title: image.operatingsystem_name },
      })),
    },
  };
};

/** `createdAt` and `major` are not on the row: one `id ^ (…)` call per collection, in parallel. */
const R2: FloorQuery = async (get) => {
  const page = await imagesOfComputeResource2(get);
  const [architectures, operatingSystems] = await Promise.all([
    get<Page<ArchitectureRow>>('/api/architectures', {
      page: '1',
      ...byIds(page.results.map((image) => image.architecture_id)),
    }),
    get<Page<OperatingSystemRow>>('/api/operatingsystems', {
      page: '1',
      ...byIds(page.results.map((image) => image.operatingsystem_id)),
    }),
  ]);
  const architectureById = new Map(architectures.results.map((row) => [row.id, row]));
  const operatingSystemById = new Map(operatingSystems.results.map((row) => [row.id, row]));
  return {
    images: {
      nodes: page.results.map((image) => {
        const architecture = architectureById.get(image.architecture_id);
        const operatingSystem = operatingSystemById.get(image.operatingsystem_id);
        return {
          name: image.name,
          architecture: architecture
            ? { name: architecture.name, createdAt: timestamp(architecture.created_at) }
            : null,
          operatingSystem: operatingSystem
            ? { name: operatingSystem.name, major: operatingSystem.major }
            : null,
        };
      }),
    },
  };
};

/** Every compute resource (Foreman's order), then each one's first 1000 images in parallel. */
const R3: FloorQuery = async (get) => {
  const computeResources = await get<Page<{ id: number }>>('/api/compute_resources', {
    page: '1',
    per_page: 'all',
  });
  const pages = await Promise.all(
    computeResources.results.map((computeResource) =>
      get<Page<ImageRow>>(`/api/compute_resources/${computeResource.id}/images`, {
        page: '1',
        per_page: '1000',
        order: 'id',
      }),
    ),
  );
  return {
    images: {
      nodes: pages
        .flatMap((page) => page.results)
        .slice(0, 1000)
        .map((image) => ({ name: image.name, architecture: { name: image.architecture_name } })),
    },
  };
};

/** Images by Foreman id: every architecture's `id ^ (…)` search, in parallel. */
const R4: FloorQuery = async (get, variables) => {
  const representations = variables.representations;
  if (!Array.isArray(representations)) throw new Error('representations must be a list');
  const ids = representations.map((representation) => {
    const id = (representation as { foremanId?: unknown } | null)?.foremanId;
    if (!Number.isSafeInteger(id) || (id as number) < 1) throw new Error(`bad foremanId ${id}`);
    return id as number;
  });
  const architectures = await get<Page<{ id: number }>>('/api/architectures', {
    page: '1',
    per_page: 'all',
  });
  const pages = await Promise.all(
    architectures.results.map((architecture) =>
      get<Page<ImageRow>>(`/api/architectures/${architecture.id}/images`, {
        page: '1',
        ...byIds(ids),
      }),
    ),
  );
  const found = new Map(pages.flatMap((page) => page.results).map((image) => [image.id, image]));
  return {
    _entities: ids.map((id) => {
      const image = found.get(id);
      return image ? { foremanId: image.id, name: image.name } : null;
    }),
  };
};

export const FLOOR_QUERIES: Readonly<Record<string, FloorQuery>> = { R0, R1, R2, R3, R4 };
