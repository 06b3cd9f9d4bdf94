import type DataLoader from 'dataloader';
import type { GatewayContext } from '../context.js';
import { timestamp } from '../foreman/timestamps.js';
import { notFound } from './errors.js';

/**
 * What a resolver holds for a related record: its id and whatever is already known about it.
 * An image's JSON embeds its architecture's name, its compute resource's name and its operating
 * system's title, so a selection asking only for those is answered with no request at all; any
 * other field loads the record (batched with every other such load in the request).
 */
export interface RecordSource<R> {
  /** The GraphQL type, so `Node` can tell sources apart. */
  readonly typeName: NodeTypeName;
  readonly foremanId: number;
  readonly known: Partial<R>;
}

export type NodeTypeName = 'Image' | 'ComputeResource' | 'Architecture' | 'OperatingSystem';

export function sourceOf<R extends { id: number }>(
  typeName: NodeTypeName,
  record: R,
): RecordSource<R> & { readonly known: R } {
  return { typeName, foremanId: record.id, known: record };
}

export function partialSource<R>(
  typeName: NodeTypeName,
  foremanId: number,
  known: Partial<R>,
): RecordSource<R> {
  return { typeName, foremanId, known };
}

/** The value of `key`: from what is known, else from the record the loader fetches. */
export async function fieldValue<R, K extends keyof R>(
  source: RecordSource<R>,
  key: K,
  loader: DataLoader<number, R | null>,
  typeName: string,
): Promise<R[K]> {
  if (key in source.known) return source.known[key] as R[K];
  const record = await loader.load(source.foremanId);
  if (!record) throw notFound(typeName, String(source.foremanId));
  return record[key];
}

/** Resolvers for one type's record fields, each answered from what is known or loaded. */
export function recordFields<R>(
  typeName: NodeTypeName,
  loaderOf: (ctx: GatewayContext) => DataLoader<number, R | null>,
) {
  return {
    field:
      <K extends keyof R>(key: K) =>
      (source: RecordSource<R>, _args: object, ctx: GatewayContext) =>
        fieldValue(source, key, loaderOf(ctx), typeName),
    /** A Foreman timestamp, as ISO 8601. */
    timestamp:
      (key: keyof R) => async (source: RecordSource<R>, _args: object, ctx: GatewayContext) =>
        timestamp((await fieldValue(source, key, loaderOf(ctx), typeName)) as string | null),
  };
}
