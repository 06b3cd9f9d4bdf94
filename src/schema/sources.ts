import type { GatewayContext } from '../context.js';
import type { ImageRecord, ResourceName, RowOf } from '../foreman/records.js';
import { notFound } from './errors.js';

/**
 * What a resolver holds for a record: its resource, its id and whatever is already known about
 * it. An image's JSON embeds its architecture's name, its compute resource's name and its
 * operating system's title, so a selection asking only for those is answered with no request at
 * all; any other field loads the record (batched with every other such load in the request).
 */
export interface RecordSource<R extends ResourceName> {
  readonly resource: R;
  readonly foremanId: number;
  readonly known: Partial<RowOf<R>>;
}

/** Images are always read whole, so their source knows every field. */
export interface ImageSource extends RecordSource<'image'> {
  readonly known: ImageRecord;
}

export type SourceOf<R extends ResourceName> = R extends 'image' ? ImageSource : RecordSource<R>;

export type NodeSource = { [R in ResourceName]: SourceOf<R> }[ResourceName];

export function sourceOf<R extends ResourceName>(
  resource: R,
  record: RowOf<R>,
): RecordSource<R> & { readonly known: RowOf<R> } {
  return { resource, foremanId: record.id, known: record };
}

export function partialSource<R extends ResourceName>(
  resource: R,
  foremanId: number,
  known: Partial<RowOf<R>>,
): RecordSource<R> {
  return { resource, foremanId, known };
}

/**
 * The value of `key`: at once from what is known (no promise, no tick), else from the record,
 * loaded in a batch with every other load of its resource in this request.
 */
export function fieldValue<R extends ResourceName, K extends keyof RowOf<R>>(
  ctx: GatewayContext,
  source: RecordSource<R>,
  key: K,
): RowOf<R>[K] | Promise<RowOf<R>[K]> {
  if (key in source.known) return source.known[key] as RowOf<R>[K];
  return loadRow(ctx, source).then((row) => row[key]);
}

async function loadRow<R extends ResourceName>(
  ctx: GatewayContext,
  source: RecordSource<R>,
): Promise<RowOf<R>> {
  const { resource, foremanId } = source;
  const row = (
    resource === 'image'
      ? await ctx.foreman.image({ imageId: foremanId })
      : await ctx.foreman.record(resource as Exclude<ResourceName, 'image'>, foremanId)
  ) as RowOf<R> | null;
  if (!row) throw notFound(resource, String(foremanId));
  return row;
}
