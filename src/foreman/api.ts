import DataLoader from 'dataloader';
import type { Caller } from './caller.js';
import { changesOfWrite, type ImageWrite, railsRequestId } from './changes.js';
import { recoverNotFound, UpstreamError } from './errors.js';
import type { ForemanClient } from './http/client.js';
import { ImageLocations } from './image-locations.js';
import type { ListPage, ListRequest } from './lists.js';
import type {
  AuditRecord,
  ImageRecord,
  IndexEnvelope,
  ListParams,
  ResourceName,
  RowOf,
  ShowOf,
} from './records.js';
import {
  definitionOf,
  type ImageParent,
  RESOURCE_NAMES,
  RESOURCES,
  type TopLevelName,
} from './resources.js';
import { type HistoryPage, type HistoryWindow, readHistories } from './rest/history-pages.js';
import { deleteImage, type ImageAttributes, postImage, putImage } from './rest/image-writes.js';
import { orEmpty, type PageReader, readList, readMergedByIds } from './rest/list-pages.js';
import { collectionPath, imagesPath, listQuery, memberPath } from './rest/paths.js';
import {
  CATALOG_AUDITS,
  chunkIds,
  IMAGE_AUDITS,
  idCompared,
  idListSearch,
  imageAuditsSearch,
} from './rest/search.js';

export type { HistoryPage, HistoryWindow } from './rest/history-pages.js';
export type { ImageAttributes } from './rest/image-writes.js';

/** An image by Foreman id, with the compute resource it is expected under when known. */
export interface ImageLookup {
  imageId: number;
  computeResourceId?: number | undefined;
}

export interface ForemanApiOptions {
  /** Where images were seen, shared across requests as a hint (see ImageLocations). */
  imageLocations?: ImageLocations;
  onBatch?: ((loader: string, size: number) => void) | undefined;
  /** Told of every image write this API makes, once Foreman has answered it. */
  onWrite?: ((write: ImageWrite) => void) | undefined;
}

/** One index page of one list: a resource's own index, or the images under a parent. */
interface PageKey extends ListParams {
  resource: ResourceName;
  /** Set for image lists: the parent they are listed under. */
  parent?: ImageParent | undefined;
}

interface ImageKey {
  computeResourceId: number;
  imageId: number;
}

/**
 * The Foreman API as one GraphQL request sees it: reads by resource and id, lists with typed
 * parameters, images under a parent or everywhere, and the image writes. Every read goes through
 * per-request DataLoaders, so lookups of one resource batch into `id ^ (…)` searches, identical
 * reads are made once, and list pages answer later lookups by id. An instance carries one
 * caller's client and is never shared.
 */
export class ForemanApi {
  readonly #client: ForemanClient;
  readonly #onBatch: ((loader: string, size: number) => void) | undefined;
  readonly #onWrite: ((write: ImageWrite) => void) | undefined;
  readonly #imageLocations: ImageLocations;

  /** Index pages by list and parameters: identical reads in a request are made once. */
  readonly #pages = new Map<string, Promise<IndexEnvelope<unknown>>>();
  /** Records by id, one loader per resource, made on first use. */
  readonly #records = new Map<ResourceName, DataLoader<number, unknown>>();
  /** Show responses, needed only for child lists. */
  readonly #shows = new Map<ResourceName, DataLoader<number, unknown>>();
  /** Images by compute resource and id: one `id ^ (…)` call per compute resource. */
  #underComputeResource: DataLoader<ImageKey, ImageRecord | null, string> | undefined;
  /** Images by Foreman id alone: Foreman lists images only under a parent, so fan out. */
  #byForemanId: DataLoader<number, ImageRecord | null> | undefined;
  /** Pages of image histories: the first pages of one tick are read together. */
  #histories: DataLoader<HistoryWindow, HistoryPage, string> | undefined;
  /**
   * Rows of the pages read so far, by resource, indexed by id only when a lookup asks: most
   * requests never look a listed row up again, and then they cost nothing per row.
   */
  readonly #seenRows = new SeenRows();

  constructor(client: ForemanClient, options: ForemanApiOptions = {}) {
    this.#client = client;
    this.#onBatch = options.onBatch;
    this.#onWrite = options.onWrite;
    this.#imageLocations = options.imageLocations ?? new ImageLocations();
  }

  /** Who this API reads and writes for: the credential, its identity, login and address. */
  get caller(): Caller {
    return this.#client.caller;
  }

  /** Asks Foreman whether it accepts the caller's credential (`GET /api/status`); rejects if not. */
  async checkCredentials(): Promise<void> {
    await this.#client.get<unknown>('/api/status');
  }

  /** One record by Foreman id (null when it does not exist or is not visible). */
  record<R extends TopLevelName>(resource: R, id: number): Promise<RowOf<R> | null> {
    const seen = this.#seenRows.find(resource, id);
    if (seen) return Promise.resolve(seen as RowOf<R>);
    return this.#recordLoader(resource).load(id) as Promise<RowOf<R> | null>;
  }

  /** One show response (null when missing): the record with its child lists. */
  show<R extends TopLevelName>(resource: R, id: number): Promise<ShowOf<R> | null> {
    let loader = this.#shows.get(resource);
    if (!loader) {
      loader = new DataLoader<number, unknown>(
        (ids) =>
          Promise.all(
            ids.map((one) => {
              const path = memberPath(resource, one);
              return this.#client
                .get<unknown>(path)
                .then((show) => checkedShow(resource, show, path))
                .catch(recoverNotFound(null));
            }),
          ),
        { batch: false },
      );
      this.#shows.set(resource, loader);
    }
    return loader.load(id) as Promise<ShowOf<R> | null>;
  }

  /** A page of a resource's index. */
  list<R extends TopLevelName>(resource: R, request: ListRequest): Promise<ListPage<RowOf<R>>> {
    return readList(this.#pageReader<RowOf<R>>(resource), request);
  }

  /**
   * A page of the images under one parent or, with none, across every compute resource the
   * caller can see (Foreman has no such endpoint: each compute resource's page is read, and
   * they are merged into one order by id).
   */
  async images(
    parent: ImageParent | undefined,
    request: ListRequest,
  ): Promise<ListPage<ImageRecord>> {
    if (parent) return readList(this.#imagePageReader(parent), request);
    const computeResources = await this.#everything('computeResource');
    return readMergedByIds(
      computeResources.map(({ id }) =>
        orEmpty(this.#imagePageReader({ resource: 'computeResource', id })),
      ),
      request,
    );
  }

  /**
   * One image: under the compute resource given or where it was last seen (lookups of one tick
   * batch per compute resource), else, or when it is not there (moved, or not visible to this
   * caller), by a fan-out over architectures (batched too).
   */
  async image(lookup: ImageLookup): Promise<ImageRecord | null> {
    const { imageId } = lookup;
    const seen = this.#seenRows.find('image', imageId) as ImageRecord | undefined;
    if (seen) return seen;
    const computeResourceId =
      lookup.computeResourceId ?? this.#imageLocations.computeResourceOf(imageId);
    const underComputeResource =
      computeResourceId === undefined
        ? null
        : await this.#imagesUnderComputeResource().load({ computeResourceId, imageId });
    return underComputeResource ?? this.#imagesById().load(imageId);
  }

  /**
   * Audit rows after `afterId`, oldest first (Foreman's `order=id`): its only feed of changes.
   * Those of images, or with `catalog`, also of the compute resources, operating systems and
   * architectures whose names image rows carry. `afterId` undefined: just the newest row, to
   * start tailing from.
   */
  async changeAudits(
    afterId: number | undefined,
    perPage: number,
    scope: 'images' | 'catalog' = 'images',
  ): Promise<AuditRecord[]> {
    const types = scope === 'catalog' ? CATALOG_AUDITS : IMAGE_AUDITS;
    const envelope = await this.#client.get<IndexEnvelope<AuditRecord>>(
      '/api/audits',
      afterId === undefined
        ? listQuery({ page: 1, perPage: 1, search: types, order: 'id DESC' })
        : listQuery({
            page: 1,
            perPage,
            search: `${types} and ${idCompared('>', afterId)}`,
            order: 'id',
          }),
    );
    if (!envelope || !Array.isArray(envelope.results) || !envelope.results.every(hasForemanId)) {
      throw invalidResponse('/api/audits', 'Foreman answered an audit list without valid rows');
    }
    return envelope.results;
  }

  /**
   * A page of one image's history, newest first, from Foreman's audit log (`GET /api/audits`,
   * `order=id DESC`). The first pages of every image asked for in the same tick are read
   * together: one request serves all whose rows fit in it (rest/history-pages.ts). A page after
   * a cursor is the image's own request (`id < N`).
   */
  imageHistory(window: HistoryWindow): Promise<HistoryPage> {
    this.#histories ??= new DataLoader(
      (windows) => {
        this.#onBatch?.('image_histories', windows.length);
        return readHistories(
          (request) =>
            this.#readPage<AuditRecord>({
              resource: 'audit',
              page: 1,
              perPage: request.perPage,
              search: imageAuditsSearch(request.imageIds, request.beforeId),
              order: RESOURCES.audit.defaultOrder,
            }),
          windows,
        );
      },
      { cacheKeyFn: (w) => `${w.imageId}:${w.first}:${w.afterId ?? ''}` },
    );
    return this.#histories.load(window);
  }

  /** Creates an image in a compute resource (sent once, never retried). */
  async createImage(computeResourceId: number, attributes: ImageAttributes): Promise<ImageRecord> {
    const created = await postImage(this.#client, computeResourceId, attributes);
    this.#afterImageWrite(created);
    await this.#client.imagesChanged();
    this.#announce('created', undefined, created, attributes);
    return created;
  }

  /** Changes an image (sent once, never retried); absent attributes stay as they are. */
  async updateImage(image: ImageRecord, attributes: ImageAttributes): Promise<ImageRecord> {
    const updated = await putImage(this.#client, image, attributes);
    this.#afterImageWrite(updated);
    await this.#client.imagesChanged();
    this.#announce('updated', image, updated, attributes);
    return updated;
  }

  /** Deletes an image (sent once, never retried). */
  async deleteImage(image: ImageRecord): Promise<void> {
    await deleteImage(this.#client, image);
    this.#afterImageWrite();
    await this.#client.imagesChanged();
    this.#announce('deleted', image, undefined, {});
  }

  /**
   * Tells the write's listener (live changes) of it, as Foreman's audit log will record it: an
   * update that changed no audited column (and sent no password) leaves no audit row, and no
   * event either.
   */
  #announce(
    action: ImageWrite['action'],
    before: ImageRecord | undefined,
    after: ImageRecord | undefined,
    attributes: ImageAttributes,
  ): void {
    if (!this.#onWrite) return;
    const passwordSent = attributes.password != null;
    if (action === 'updated' && !passwordSent && changesOfWrite({ before, after }).length === 0) {
      return;
    }
    this.#onWrite({
      action,
      before,
      after,
      passwordSent,
      by: this.caller.login,
      // As Foreman records it in the audit row, which is how the row is known to be this write.
      requestId: railsRequestId(this.#client.requestId ?? ''),
    });
  }

  /**
   * Later reads of this request must see the write: every image read so far is forgotten (lists
   * and lookups, and the show responses of image parents, which list their images), and the
   * written image, if any, answers lookups from now on.
   */
  #afterImageWrite(written?: ImageRecord): void {
    this.#pages.clear();
    this.#seenRows.forget('image');
    this.#underComputeResource = undefined;
    this.#byForemanId = undefined;
    // The write has an audit row now: histories read before it lack it.
    this.#histories = undefined;
    for (const resource of RESOURCE_NAMES) {
      if (definitionOf(resource).holdsImages) this.#shows.get(resource)?.clearAll();
    }
    if (written) {
      this.#seenRows.add('image', [written]);
      // Later requests look a written image up where it now is, not across every architecture.
      this.#imageLocations.remember(written.id, written.compute_resource_id);
    }
  }

  #pageReader<T>(resource: ResourceName): PageReader<T> {
    return (params) => this.#readPage<T>({ resource, ...params });
  }

  #imagePageReader(parent: ImageParent): PageReader<ImageRecord> {
    return (params) => this.#readPage<ImageRecord>({ resource: 'image', parent, ...params });
  }

  async #readPage<T>(key: PageKey): Promise<IndexEnvelope<T>> {
    const cacheKey = pageCacheKey(key);
    let page = this.#pages.get(cacheKey);
    if (!page) {
      page = this.#fetchPage(key);
      this.#pages.set(cacheKey, page);
    }
    return (await page) as IndexEnvelope<T>;
  }

  /** Every record of a resource the caller can see, in Foreman's order. */
  async #everything<R extends TopLevelName>(resource: R): Promise<RowOf<R>[]> {
    const envelope = await this.#readPage<RowOf<R>>({ resource, page: 1, perPage: 'all' });
    return envelope.results;
  }

  async #fetchPage(key: PageKey): Promise<IndexEnvelope<unknown>> {
    const path = key.parent ? imagesPath(key.parent) : collectionPath(key.resource);
    const envelope = await this.#client.get<IndexEnvelope<unknown>>(path, listQuery(key));
    if (!envelope || !Array.isArray(envelope.results)) {
      throw invalidResponse(path, 'Foreman answered an index request without a results list');
    }
    // Rows are trusted from here on (ids reach URLs, searches and global ids): check them once.
    if (!envelope.results.every(hasForemanId)) {
      throw invalidResponse(path, 'Foreman answered a row without a valid id');
    }
    // A page's rows also answer later lookups by id in this request.
    this.#seenRows.add(key.resource, envelope.results as Array<{ id: number }>);
    if (key.resource === 'image') {
      for (const image of envelope.results as ImageRecord[]) {
        this.#imageLocations.remember(image.id, image.compute_resource_id);
      }
    }
    return envelope;
  }

  // Loaders are made on first use: most requests need few of them.
  #imagesUnderComputeResource(): DataLoader<ImageKey, ImageRecord | null, string> {
    this.#underComputeResource ??= new DataLoader(
      (keys) => this.#loadImagesByComputeResource(keys),
      { cacheKeyFn: (key) => imageCacheKey(key.computeResourceId, key.imageId) },
    );
    return this.#underComputeResource;
  }

  #imagesById(): DataLoader<number, ImageRecord | null> {
    this.#byForemanId ??= new DataLoader((ids) => this.#loadImagesByForemanId(ids));
    return this.#byForemanId;
  }

  #recordLoader(resource: ResourceName): DataLoader<number, unknown> {
    let loader = this.#records.get(resource);
    if (!loader) {
      loader = new DataLoader<number, unknown>(async (ids) => {
        this.#onBatch?.(RESOURCES[resource].collection, ids.length);
        const found = await this.#searchByIds<{ id: number }>(this.#pageReader(resource), ids);
        return ids.map((id) => found.get(id) ?? null);
      });
      this.#records.set(resource, loader);
    }
    return loader;
  }

  /**
   * `search=id ^ (…)&per_page=n` on a list, chunked to keep URLs short. Each id maps to its
   * record, or to the error of the one chunk that failed for it: one failing chunk fails only
   * its own ids.
   */
  async #searchByIds<T extends { id: number }>(
    readPage: PageReader<T>,
    ids: readonly number[],
  ): Promise<Map<number, T | Error>> {
    const found = new Map<number, T | Error>();
    await Promise.all(
      chunkIds([...new Set(ids)]).map(async (chunk) => {
        try {
          const page = await readPage({
            page: 1,
            perPage: chunk.length,
            search: idListSearch(chunk),
          });
          for (const record of page.results) found.set(record.id, record);
        } catch (error) {
          for (const id of chunk) found.set(id, asError(error));
        }
      }),
    );
    return found;
  }

  async #loadImagesByComputeResource(
    keys: readonly ImageKey[],
  ): Promise<(ImageRecord | Error | null)[]> {
    this.#onBatch?.('images', keys.length);
    const idsByComputeResource = new Map<number, number[]>();
    for (const { computeResourceId, imageId } of keys) {
      const ids = idsByComputeResource.get(computeResourceId) ?? [];
      ids.push(imageId);
      idsByComputeResource.set(computeResourceId, ids);
    }
    // Per compute resource: its images by id, or the error of its call (a vanished compute
    // resource lists nothing, so its images are null).
    const found = new Map<number, Map<number, ImageRecord | Error>>();
    await Promise.all(
      [...idsByComputeResource].map(async ([id, imageIds]) => {
        const images = await this.#searchByIds(
          orEmpty(this.#imagePageReader({ resource: 'computeResource', id })),
          imageIds,
        );
        found.set(id, images);
      }),
    );
    return keys.map((key) => {
      const image = found.get(key.computeResourceId)?.get(key.imageId);
      if (image === undefined) return null;
      // Rows come from this compute resource's list; a row naming another is not trusted here.
      return image instanceof Error || image.compute_resource_id === key.computeResourceId
        ? image
        : null;
    });
  }

  async #loadImagesByForemanId(ids: readonly number[]): Promise<(ImageRecord | Error | null)[]> {
    this.#onBatch?.('images_by_foreman_id', ids.length);
    // Every image has a presence-validated architecture, and architectures are few.
    const architectures = await this.#everything('architecture');
    const found = new Map<number, ImageRecord>();
    let failure: Error | undefined;
    await Promise.all(
      architectures.map(async (architecture) => {
        const images = await this.#searchByIds(
          orEmpty(this.#imagePageReader({ resource: 'architecture', id: architecture.id })),
          ids,
        );
        for (const [id, image] of images) {
          if (!(image instanceof Error)) found.set(id, image);
          else failure ??= image;
        }
      }),
    );
    // An image found under any architecture is found; one found nowhere is missing, unless an
    // architecture that might hold it failed to answer.
    return ids.map((id) => found.get(id) ?? failure ?? null);
  }
}

/** A show response whose id and child-list ids can be trusted. */
function checkedShow(resource: ResourceName, show: unknown, path: string): unknown {
  const lists = Object.keys(definitionOf(resource).showLists);
  const valid =
    hasForemanId(show) &&
    lists.every((key) => {
      const items = (show as Record<string, unknown>)[key];
      return items === undefined || (Array.isArray(items) && items.every(hasForemanId));
    });
  if (!valid) throw invalidResponse(path, 'Foreman answered a record without a valid id');
  return show;
}

function hasForemanId(row: unknown): boolean {
  const id = (row as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

function invalidResponse(path: string, message: string): UpstreamError {
  return new UpstreamError({ kind: 'invalid_response', status: 200, message, method: 'GET', path });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Rows read in this request, per resource: kept as pages, indexed by id on first lookup. */
class SeenRows {
  readonly #pending = new Map<ResourceName, Array<ReadonlyArray<{ id: number }>>>();
  readonly #byId = new Map<ResourceName, Map<number, { id: number }>>();

  add(resource: ResourceName, rows: ReadonlyArray<{ id: number }>): void {
    const pending = this.#pending.get(resource);
    if (pending) pending.push(rows);
    else this.#pending.set(resource, [rows]);
  }

  find(resource: ResourceName, id: number): { id: number } | undefined {
    const pending = this.#pending.get(resource);
    let index = this.#byId.get(resource);
    if (pending) {
      if (!index) {
        index = new Map();
        this.#byId.set(resource, index);
      }
      for (const rows of pending) for (const row of rows) index.set(row.id, row);
      this.#pending.delete(resource);
    }
    return index?.get(id);
  }

  forget(resource: ResourceName): void {
    this.#pending.delete(resource);
    this.#byId.delete(resource);
  }
}

function pageCacheKey(key: PageKey): string {
  return JSON.stringify([
    key.resource,
    key.parent?.resource,
    key.parent?.id,
    key.page,
    key.perPage,
    key.search,
    key.order,
  ]);
}

function imageCacheKey(computeResourceId: number, imageId: number): string {
  return `${computeResourceId}:${imageId}`;
}
