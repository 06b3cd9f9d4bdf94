import type { ObjectRef } from '@pothos/core';
import type { ListOptions, WindowRequest, WindowResult } from '../foreman/lists.js';
import { fromBase64, toBase64 } from './base64.js';
import { builder } from './builder.js';
import { badUserInput } from './errors.js';

/**
 * Relay connections over Foreman's page / per_page pagination. A cursor is an opaque offset into
 * the matching rows, so any window maps onto Foreman pages (see foreman/pages.ts).
 */

const CURSOR_PREFIX = 'offset:';

export function encodeCursor(offset: number): string {
  return toBase64(`${CURSOR_PREFIX}${offset}`);
}

export function decodeCursor(cursor: string, argumentName: string): number {
  const decoded = fromBase64(cursor, 64) ?? '';
  const digits = decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : '';
  if (!/^(0|[1-9]\d{0,14})$/.test(digits)) {
    throw badUserInput(`Argument "${argumentName}" is not a cursor this API issued`, argumentName);
  }
  return Number(digits);
}

export interface ListArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  search?: string | null | undefined;
  order?: string | null | undefined;
}

export interface PageLimits {
  maxPageSize: number;
  defaultPageSize: number;
  maxSearchLength: number;
  maxEncodedSearchBytes: number;
}

/**
 * Validated rows and options of a list field. `defaultOrder` keeps paging stable where Foreman
 * leaves an index unordered (images, architectures).
 */
export function listRequest(
  args: ListArgs,
  limits: PageLimits,
  defaultOrder?: string,
): { window: WindowRequest; options: ListOptions } {
  for (const name of ['search', 'order'] as const) {
    const value = args[name];
    if (value != null && value.length > limits.maxSearchLength) {
      throw badUserInput(
        `Argument "${name}" is longer than ${limits.maxSearchLength} characters`,
        name,
      );
    }
  }
  // Characters are not bytes: "é" is 6 bytes in a URL. Foreman's proxy refuses long request lines
  // (Apache: 8190 bytes), so the encoded length is what must fit.
  const encoded =
    encodeURIComponent(args.search ?? '').length + encodeURIComponent(args.order ?? '').length;
  if (encoded > limits.maxEncodedSearchBytes) {
    throw badUserInput(
      `Arguments "search" and "order" are too long once URL-encoded (${encoded} bytes; at most ${limits.maxEncodedSearchBytes})`,
      'search',
    );
  }
  return {
    window: windowFromArgs(args, limits),
    options: { search: args.search ?? undefined, order: args.order ?? defaultOrder },
  };
}

/** Turns Relay arguments into the rows to fetch; every mistake is BAD_USER_INPUT. */
export function windowFromArgs(args: ListArgs, limits: PageLimits): WindowRequest {
  const first = checkedSize(args.first, 'first', limits);
  const last = checkedSize(args.last, 'last', limits);
  if (first !== undefined && last !== undefined) {
    throw badUserInput('Pass either "first" or "last", not both', 'last');
  }
  const lower = args.after != null ? decodeCursor(args.after, 'after') + 1 : 0;
  const upper = args.before != null ? decodeCursor(args.before, 'before') : undefined;
  if (upper !== undefined && upper < lower) {
    throw badUserInput('"before" must point after "after"', 'before');
  }
  if (last !== undefined) {
    if (upper === undefined) return { kind: 'tail', count: last, notBefore: lower };
    const start = Math.max(lower, upper - last);
    return { kind: 'range', start, count: upper - start };
  }
  const size = first ?? limits.defaultPageSize;
  return {
    kind: 'range',
    start: lower,
    count: upper === undefined ? size : Math.min(size, upper - lower),
  };
}

function checkedSize(
  value: number | null | undefined,
  argumentName: string,
  limits: PageLimits,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0 || value > limits.maxPageSize) {
    throw badUserInput(
      `Argument "${argumentName}" must be between 0 and ${limits.maxPageSize}, got ${value}`,
      argumentName,
    );
  }
  return value;
}

/** Connection arguments shared by every list field. */
export const listArgs = builder.args((t) => ({
  first: t.int({ description: 'Return at most this many items after `after`.' }),
  after: t.string({ description: 'Return items after this cursor.' }),
  last: t.int({ description: 'Return at most this many items before `before`.' }),
  before: t.string({ description: 'Return items before this cursor.' }),
  search: t.string({
    description:
      'A Foreman scoped_search query, passed through (e.g. `name ~ rhel and architecture = 1`).',
  }),
  order: t.string({
    description:
      'Foreman\'s order, `"<field> [ASC|DESC]"` over a searchable field (e.g. `name DESC`).',
  }),
}));

export const PageInfo = builder
  .objectRef<{
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  }>('PageInfo')
  .implement({
    description: 'Where a page of a connection sits among all matching items.',
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More items follow this page.' }),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
        description: 'More items precede this page.',
      }),
      startCursor: t.exposeString('startCursor', {
        nullable: true,
        description: 'Cursor of the first item of this page.',
      }),
      endCursor: t.exposeString('endCursor', {
        nullable: true,
        description: 'Cursor of the last item of this page.',
      }),
    }),
  });

/** Defines `<Name>Connection` and `<Name>Edge` over rows mapped to `node` sources. */
type Types = typeof builder.$inferSchemaTypes;

export function defineConnection<Row, Source>(
  name: string,
  nodeRef: ObjectRef<Types, Source>,
  toSource: (row: Row) => Source,
): ObjectRef<Types, WindowResult<Row>> {
  const Edge = builder.objectRef<{ cursor: string; node: Source }>(`${name}Edge`).implement({
    description: `One ${name} in a connection, with its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', {
        description: 'Pass as `after` or `before` to page from here.',
      }),
      node: t.field({
        type: nodeRef,
        description: `The ${name}.`,
        resolve: (edge) => edge.node as never,
      }),
    }),
  });
  return builder.objectRef<WindowResult<Row>>(`${name}Connection`).implement({
    description: `A page of ${name} items.`,
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        description: 'The items of this page, each with its cursor.',
        resolve: (result) =>
          result.rows.map((row, index) => ({
            cursor: encodeCursor(result.start + index),
            node: toSource(row),
          })),
      }),
      nodes: t.field({
        type: [nodeRef],
        description: 'The items of this page, without cursors.',
        resolve: (result) => result.rows.map(toSource) as never,
      }),
      pageInfo: t.field({
        type: PageInfo,
        description: 'Cursors and whether more items exist.',
        resolve: (result) => ({
          hasNextPage: result.start + result.rows.length < result.subtotal,
          hasPreviousPage: result.start > 0,
          startCursor: result.rows.length > 0 ? encodeCursor(result.start) : null,
          endCursor:
            result.rows.length > 0 ? encodeCursor(result.start + result.rows.length - 1) : null,
        }),
      }),
      totalCount: t.exposeInt('subtotal', {
        description: "How many items match the search (Foreman's `subtotal`), across all pages.",
      }),
    }),
  });
}
