import { type FieldNode, type GraphQLResolveInfo, getNamedType, isObjectType } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { ImageRecord, RowOf } from '../foreman/records.js';
import { notFound } from './errors.js';
import { encodeGlobalId } from './ids.js';
import type { NodeResource, TopLevelNode } from './node-types.js';
import { selectedFields } from './selection.js';

/**
 * What a resolver holds for a record: its resource, its id and whatever is already known about
 * it. An image's JSON embeds its architecture's name, its compute resource's name and its
 * operating system's title, so a selection asking only for those is answered with no request at
 * all; any other field loads the record (batched with every other such load in the request).
 */
export interface RecordSource<R extends NodeResource> {
  readonly resource: R;
  readonly foremanId: number;
  readonly known: Partial<RowOf<R>>;
}

/** Images are always read whole, so their source knows every field. */
export interface ImageSource extends RecordSource<'image'> {
  readonly known: ImageRecord;
}

export type SourceOf<R extends NodeResource> = R extends 'image' ? ImageSource : RecordSource<R>;

export type NodeSource = { [R in NodeResource]: SourceOf<R> }[NodeResource];

export function sourceOf<R extends NodeResource>(
  resource: R,
  record: RowOf<R>,
): RecordSource<R> & { readonly known: RowOf<R> } {
  return { resource, foremanId: record.id, known: record };
}

export function partialSource<R extends NodeResource>(
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
export function fieldValue<R extends NodeResource, K extends keyof RowOf<R>>(
  ctx: GatewayContext,
  source: RecordSource<R>,
  key: K,
): RowOf<R>[K] | Promise<RowOf<R>[K]> {
  if (key in source.known) return source.known[key] as RowOf<R>[K];
  return loadRow(ctx, source).then((row) => row[key]);
}

async function loadRow<R extends NodeResource>(
  ctx: GatewayContext,
  source: RecordSource<R>,
): Promise<RowOf<R>> {
  const { resource, foremanId } = source;
  const row = (
    resource === 'image'
      ? await ctx.foreman.image({ imageId: foremanId })
      : await ctx.foreman.record(resource as Exclude<NodeResource, 'image'>, foremanId)
  ) as RowOf<R> | null;
  if (!row) throw notFound(resource, encodeGlobalId(resource, foremanId));
  return row;
}

/** The column each column-backed resolver reads (see `columnResolver`). */
const COLUMN_OF = new WeakMap<object, PropertyKey>();

/**
 * Marks `resolve` as answering from column `key`, so `relatedSource` can tell what a selection
 * reads. Keyed by the resolver itself: a plugin that wrapped resolvers would hide the marks (and
 * every related record would be read as if its row said nothing), which a test guards.
 */
export function columnResolver<F extends object>(key: PropertyKey, resolve: F): F {
  COLUMN_OF.set(resolve, key);
  return resolve;
}

/** The column a field's resolver answers from, if it is column-backed. */
export function columnOf(resolve: object | undefined): PropertyKey | undefined {
  return resolve ? COLUMN_OF.get(resolve) : undefined;
}

/** Per field node of a parsed (and cached) document: the columns its selection reads. */
const selectedColumnsOf = new WeakMap<FieldNode, readonly PropertyKey[]>();

function selectedColumns(info: GraphQLResolveInfo): readonly PropertyKey[] {
  const [node] = info.fieldNodes;
  const cacheable = info.fieldNodes.length === 1 && node !== undefined;
  const cached = cacheable ? selectedColumnsOf.get(node) : undefined;
  if (cached) return cached;
  const type = getNamedType(info.returnType);
  const definitions = isObjectType(type) ? type.getFields() : {};
  const columns: PropertyKey[] = [];
  for (const field of selectedFields(info)) {
    const column = columnOf(definitions[field.name.value]?.resolve);
    if (column !== undefined) columns.push(column);
  }
  if (cacheable) selectedColumnsOf.set(node, columns);
  return columns;
}

/**
 * A record another row names (an image's architecture, say), with what that row says of it.
 * When the selection reads a column that is not known, the record is loaded here, once for the
 * object, rather than by each of its fields: one promise instead of one per field and one more
 * to gather them, which for a page of 100 images is most of the executor's work and garbage.
 * A record that cannot be loaded leaves its fields to fail one by one, as they would have.
 * (A field under `@skip`/`@include` counts as selected: at worst one batched read too many.)
 */
export function relatedSource<R extends TopLevelNode>(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  resource: R,
  foremanId: number,
  known: Partial<RowOf<R>>,
): RecordSource<R> | Promise<RecordSource<R>> {
  const partial = partialSource(resource, foremanId, known);
  if (selectedColumns(info).every((column) => column in known)) return partial;
  return ctx.foreman.record(resource, foremanId).then(
    (row) => (row ? sourceOf(resource, row) : partial),
    () => partial,
  );
}
