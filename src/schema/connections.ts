import type { ObjectRef } from '@pothos/core';
import {
  type Cursor,
  idOrderDirection,
  type ListPage,
  type ListRequest,
} from '../foreman/lists.js';
import { fromBase64, toBase64 } from './base64.js';
import { builder } from './builder.js';
import { badUserInput } from './errors.js';

/**
 * Relay connections over Foreman's lists. Where a list is ordered by id (images, architectures,
 * and any list the caller orders by `id`), a cursor is its row's id, and paging on from it is an
 * `id > N` condition: rows inserted or deleted before the cursor neither skip nor repeat rows.
 * Under any other order a cursor is the row's offset, which such changes shift by one.
 */

export function encodeCursor(cursor: Cursor): string {
  return toBase64(cursor.kind === 'id' ? `id:${cursor.id}` : `offset:${cursor.offset}`);
}

export function decodeCursor(text: string, argumentName: string): Cursor {
  const decoded = /^(id|offset):(0|[1-9]\d{0,14})$/.exec(fromBase64(text, 64) ?? '');
  if (!decoded) {
    throw badUserInput(`Argument "${argumentName}" is not a cursor this API issued`, argumentName);
  }
  const value = Number(decoded[2]);
  return decoded[1] === 'id' ? { kind: 'id', id: value } : { kind: 'offset', offset: value };
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
 * A list field's arguments, validated into a ListRequest: every mistake is BAD_USER_INPUT, before
 * any upstream request. `defaultOrder` keeps paging stable where Foreman leaves an index
 * unordered (images, architectures). A `merged` list (images across compute resources) can only
 * be ordered by id: it merges per-resource pages, and only ids compare the same here as in
 * Foreman's database.
 */
export function listRequest(
  args: ListArgs,
  limits: PageLimits,
  defaultOrder?: string,
  options: { merged?: boolean } = {},
): ListRequest {
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
  if (args.search != null) checkGrouping(args.search);
  const order = args.order ?? defaultOrder;
  const byId = idOrderDirection(order) !== undefined;
  if (options.merged && !byId) {
    throw badUserInput(
      'Images of every compute resource can only be ordered by id ("id" or "id DESC"): Foreman sorts each compute resource on its own. Pass computeResourceId, operatingSystemId or architectureId to order by other fields.',
      'order',
    );
  }
  const first = checkedSize(args.first, 'first', limits);
  const last = checkedSize(args.last, 'last', limits);
  if (first !== undefined && last !== undefined) {
    throw badUserInput('Pass either "first" or "last", not both', 'last');
  }
  const after = args.after != null ? decodeCursor(args.after, 'after') : undefined;
  const before = args.before != null ? decodeCursor(args.before, 'before') : undefined;
  for (const [name, cursor] of [
    ['after', after],
    ['before', before],
  ] as const) {
    const misfit =
      (cursor?.kind === 'id' && !byId) || (cursor?.kind === 'offset' && options.merged);
    if (misfit) {
      throw badUserInput(
        `Argument "${name}" is a cursor of a list in another order; start again from the first page`,
        name,
      );
    }
  }
  if (after?.kind === 'offset' && before?.kind === 'offset' && before.offset <= after.offset) {
    throw badUserInput('"before" must point after "after"', 'before');
  }
  if (after && before && after.kind !== before.kind) {
    throw badUserInput('"after" and "before" come from different pages of the list', 'before');
  }
  return {
    ...(last !== undefined ? { last } : { first: first ?? limits.defaultPageSize }),
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
    search: args.search ?? undefined,
    order,
  };
}

/**
 * The gateway puts a caller's search in parentheses before adding its own conditions (`id > N`
 * for the next page), so the search must be one whole group: a search whose parentheses do not
 * balance (`name ~ a) or (id > 0`), or whose quoted text runs to its end, would otherwise take
 * those conditions into itself. Scanned as scoped_search tokenizes: parentheses inside quoted
 * text are text, a quote opens quoted text only where a word could start, and a backslash
 * escapes the next character inside it.
 */
function checkGrouping(search: string): void {
  let depth = 0;
  let position = 0;
  while (position < search.length) {
    const char = search.charAt(position);
    if (char === '(') {
      depth += 1;
      position += 1;
    } else if (char === ')') {
      depth -= 1;
      if (depth < 0) {
        throw badUserInput(
          `Argument "search" closes a parenthesis it did not open (at character ${position + 1})`,
          'search',
        );
      }
      position += 1;
    } else if (char === '"') {
      const start = position;
      position += 1;
      while (position < search.length && search.charAt(position) !== '"') {
        position += search.charAt(position) === '\\' ? 2 : 1;
      }
      if (position >= search.length) {
        throw badUserInput(
          `Argument "search" opens a quote it does not close (at character ${start + 1})`,
          'search',
        );
      }
      position += 1;
    } else if (WORD_START.test(char)) {
      // A word runs to the next operator, space, parenthesis or comma: a quote inside is text.
      position += 1;
      while (position < search.length && !WORD_END.test(search.charAt(position))) position += 1;
    } else {
      position += 1;
    }
  }
  if (depth > 0) {
    throw badUserInput(
      `Argument "search" leaves ${depth === 1 ? 'a parenthesis' : `${depth} parentheses`} open`,
      'search',
    );
  }
}

/** Where scoped_search starts a bare word, and where it ends one (its tokenizer's rules). */
const WORD_START = /[^\s()",&|=<>^!~-]/;
const WORD_END = /[=~<>\s&|)(,]/;

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

type Types = typeof builder.$inferSchemaTypes;

/** How a connection describes itself and its items in the schema. */
export interface ConnectionOptions {
  /** The items, as the descriptions name them (default: `<Name> items`). */
  items?: string;
  /** The item one edge holds (default: `<Name>`). */
  item?: string;
  /** What an edge's cursor is for (default: paging either way). */
  cursor?: string;
}

/** A page without a count: for lists where counting would cost requests of its own. */
export type UncountedPage<Row> = Omit<ListPage<Row>, 'totalCount'>;

/** Defines `<Name>Connection` and `<Name>Edge` over rows mapped to `node` sources. */
export function defineConnection<Row, Source>(
  name: string,
  nodeRef: ObjectRef<Types, Source>,
  toSource: (row: Row) => Source,
  options?: ConnectionOptions,
): ObjectRef<Types, ListPage<Row>>;
/** The same without `totalCount`. */
export function defineConnection<Row, Source>(
  name: string,
  nodeRef: ObjectRef<Types, Source>,
  toSource: (row: Row) => Source,
  options: ConnectionOptions & { totalCount: false },
): ObjectRef<Types, UncountedPage<Row>>;
export function defineConnection<Row, Source>(
  name: string,
  nodeRef: ObjectRef<Types, Source>,
  toSource: (row: Row) => Source,
  options: ConnectionOptions & { totalCount?: false } = {},
): ObjectRef<Types, UncountedPage<Row>> {
  const items = options.items ?? `${name} items`;
  const item = options.item ?? name;
  const Edge = builder.objectRef<{ cursor: string; node: Source }>(`${name}Edge`).implement({
    description: `One ${item} in a connection, with its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', {
        description: options.cursor ?? 'Pass as `after` or `before` to page from here.',
      }),
      node: t.field({
        type: nodeRef,
        description: `The ${item}.`,
        resolve: (edge) => edge.node as never,
      }),
    }),
  });
  return builder.objectRef<UncountedPage<Row>>(`${name}Connection`).implement({
    description: `A page of ${items}.`,
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        description: 'The items of this page, each with its cursor.',
        resolve: (page) =>
          page.rows.map((row, index) => ({
            cursor: encodeCursor(page.cursors[index] as Cursor),
            node: toSource(row),
          })),
      }),
      nodes: t.field({
        type: [nodeRef],
        description: 'The items of this page, without cursors.',
        resolve: (page) => page.rows.map(toSource) as never,
      }),
      pageInfo: t.field({
        type: PageInfo,
        description: 'Cursors and whether more items exist.',
        resolve: (page) => {
          const first = page.cursors[0];
          const last = page.cursors[page.cursors.length - 1];
          return {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: page.hasPreviousPage,
            startCursor: first ? encodeCursor(first) : null,
            endCursor: last ? encodeCursor(last) : null,
          };
        },
      }),
      ...(options.totalCount === false
        ? {}
        : {
            totalCount: t.int({
              description:
                "How many items match the search (Foreman's `subtotal`), across all pages.",
              resolve: (page) => (page as ListPage<Row>).totalCount(),
            }),
          }),
    }),
  });
}
