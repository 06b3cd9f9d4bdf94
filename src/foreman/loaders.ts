import DataLoader from 'dataloader';
import type { ForemanClient } from './client.js';
import { recoverNotFound, UpstreamError } from './errors.js';
import { collectionPath, imagesPath, listQuery, memberPath } from './paths.js';
import type {
  ArchitectureRecord,
  ArchitectureShowRecord,
  Collection,
  CollectionRecords,
  ComputeResourceRecord,
  ImageRecord,
  IndexEnvelope,
  ListParams,
  OperatingSystemShowRecord,
} from './records.js';
import { chunkIds, idListSearch } from './search.js';

export interface ImageKey {
  computeResourceId: number;
  imageId: number;
}

/**
 * Every upstream read of one GraphQL request goes through these loaders, so lookups batch into
 * `id ^ (…)` searches and identical reads are made once. They are built per request (they carry
 * the caller's client) and never shared.
 */
export class ForemanLoaders {
  readonly #client: ForemanClient;

  /** Index pages by exact path and query: identical reads in one request are made once. */
  readonly #pages = new DataLoader<string, IndexEnvelope<unknown>>(
    (keys) => Promise.all(keys.map((key) => this.#fetchPage(key))),
    { batch: false },
  );

  readonly architectures = this.#recordsById('architectures');
  readonly operatingSystems = this.#recordsById('operatingsystems');
  readonly computeResources = this.#recordsById('compute_resources');

  /** Show responses, needed only for child lists (an architecture's operating systems…). */
  readonly architectureShows = this.#shows<ArchitectureShowRecord>('architectures');
  readonly operatingSystemShows = this.#shows<OperatingSystemShowRecord>('operatingsystems');

  /** Images by compute resource and id: one `id ^ (…)` call per compute resource. */
  readonly images = new DataLoader<ImageKey, ImageRecord | null, string>(
    (keys) => this.#loadImagesByComputeResource(keys),
    { cacheKeyFn: (key) => imageCacheKey(key.computeResourceId, key.imageId) },
  );

  /** Images by Foreman id alone: Foreman lists images only under a parent, so fan out. */
  readonly imagesByForemanId = new DataLoader<number, ImageRecord | null>((ids) =>
    this.#loadImagesByForemanId(ids),
  );

  readonly #onBatch: ((loader: string, size: number) => void) | undefined;

  constructor(client: ForemanClient, onBatch?: (loader: string, size: number) => void) {
    this.#client = client;
    this.#onBatch = onBatch;
  }

  /**
   * After a write, forget everything read so far in this request (later fields of the same
   * operation must see the new state) and remember the written image, if any.
   */
  afterWrite(written?: ImageRecord): void {
    for (const loader of [
      this.#pages,
      this.architectures,
      this.operatingSystems,
      this.computeResources,
      this.architectureShows,
      this.operatingSystemShows,
      this.images,
      this.imagesByForemanId,
    ] as Array<{ clearAll(): unknown }>) {
      loader.clearAll();
    }
    if (written) this.#primeImage(written);
  }

  /** One index page; its records also answer later lookups by id in this request. */
  async listPage<T>(path: string, params: ListParams): Promise<IndexEnvelope<T>> {
    const key = `${path}?${new URLSearchParams(listQuery(params))}`;
    return (await this.#pages.load(key)) as IndexEnvelope<T>;
  }

  /** Every compute resource the caller can see, in Foreman's order (by name). */
  async allComputeResources(): Promise<ComputeResourceRecord[]> {
    const envelope = await this.listPage<ComputeResourceRecord>(
      collectionPath('compute_resources'),
      {
        page: 1,
        perPage: 'all',
      },
    );
    return envelope.results;
  }

  async #fetchPage(key: string): Promise<IndexEnvelope<unknown>> {
    const [path = '', query = ''] = key.split('?');
    const envelope = await this.#client.get<IndexEnvelope<unknown>>(
      path,
      Object.fromEntries(new URLSearchParams(query)),
    );
    if (!envelope || !Array.isArray(envelope.results)) {
      throw new UpstreamError({
        kind: 'invalid_response',
        status: 200,
        message: 'Foreman answered an index request without a results list',
        method: 'GET',
        path,
      });
    }
    this.#prime(path, envelope.results);
    return envelope;
  }

  #prime(path: string, results: unknown[]): void {
    const collection = /^\/api\/(architectures|operatingsystems|compute_resources)$/.exec(
      path,
    )?.[1];
    if (collection) {
      const loader = this.#loaderFor(collection as Collection);
      for (const record of results as Array<{ id: number }>) {
        loader.prime(record.id, record as never);
      }
    } else if (path.endsWith('/images')) {
      for (const image of results as ImageRecord[]) this.#primeImage(image);
    }
  }

  #primeImage(image: ImageRecord): void {
    this.images.prime({ computeResourceId: image.compute_resource_id, imageId: image.id }, image);
    this.imagesByForemanId.prime(image.id, image);
  }

  #loaderFor(collection: Collection): DataLoader<number, unknown> {
    switch (collection) {
      case 'architectures':
        return this.architectures;
      case 'operatingsystems':
        return this.operatingSystems;
      case 'compute_resources':
        return this.computeResources;
    }
  }

  #recordsById<C extends Collection>(collection: C) {
    return new DataLoader<number, CollectionRecords[C] | null>(async (ids) => {
      this.#onBatch?.(collection, ids.length);
      const found = await this.#searchByIds<CollectionRecords[C] & { id: number }>(
        collectionPath(collection),
        ids,
      );
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  #shows<T>(collection: Collection) {
    return new DataLoader<number, T | null>(
      (ids) =>
        Promise.all(
          ids.map((id) =>
            this.#client.get<T>(memberPath(collection, id)).catch(recoverNotFound(null)),
          ),
        ),
      { batch: false },
    );
  }

  /** `GET path?search=id ^ (…)&per_page=n`, chunked to keep URLs short; records by id. */
  async #searchByIds<T extends { id: number }>(
    path: string,
    ids: readonly number[],
  ): Promise<Map<number, T>> {
    const chunks = chunkIds([...new Set(ids)]);
    const pages = await Promise.all(
      chunks.map((chunk) =>
        this.listPage<T>(path, { page: 1, perPage: chunk.length, search: idListSearch(chunk) }),
      ),
    );
    return new Map(pages.flatMap((page) => page.results).map((record) => [record.id, record]));
  }

  async #loadImagesByComputeResource(keys: readonly ImageKey[]): Promise<(ImageRecord | null)[]> {
    this.#onBatch?.('images', keys.length);
    const idsByComputeResource = new Map<number, number[]>();
    for (const { computeResourceId, imageId } of keys) {
      const ids = idsByComputeResource.get(computeResourceId) ?? [];
      ids.push(imageId);
      idsByComputeResource.set(computeResourceId, ids);
    }
    const found = new Map<string, ImageRecord>();
    await Promise.all(
      [...idsByComputeResource].map(async ([computeResourceId, ids]) => {
        const path = imagesPath({ collection: 'compute_resources', id: computeResourceId });
        const images = await this.#searchByIds<ImageRecord>(path, ids).catch(recoverNotFound(null));
        for (const image of images?.values() ?? []) {
          found.set(imageCacheKey(image.compute_resource_id, image.id), image);
        }
      }),
    );
    return keys.map((key) => found.get(imageCacheKey(key.computeResourceId, key.imageId)) ?? null);
  }

  async #loadImagesByForemanId(ids: readonly number[]): Promise<(ImageRecord | null)[]> {
    this.#onBatch?.('images_by_foreman_id', ids.length);
    // Every image has a presence-validated architecture, and architectures are few.
    const architectures = await this.listPage<ArchitectureRecord>(collectionPath('architectures'), {
      page: 1,
      perPage: 'all',
    });
    const found = new Map<number, ImageRecord>();
    await Promise.all(
      architectures.results.map(async (architecture) => {
        const path = imagesPath({ collection: 'architectures', id: architecture.id });
        const images = await this.#searchByIds<ImageRecord>(path, ids).catch(recoverNotFound(null));
        for (const image of images?.values() ?? []) {
          found.set(image.id, image);
          this.images.prime(
            { computeResourceId: image.compute_resource_id, imageId: image.id },
            image,
          );
        }
      }),
    );
    return ids.map((id) => found.get(id) ?? null);
  }
}

function imageCacheKey(computeResourceId: number, imageId: number): string {
  return `${computeResourceId}:${imageId}`;
}
