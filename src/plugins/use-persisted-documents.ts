import { readFileSync } from 'node:fs';
import { type DocumentNode, type GraphQLSchema, parse, print, validate } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.js';
import { gatewayError } from '../error-codes.js';

/**
 * Persisted documents, in the forms clients send them, over POST and GET:
 * - Apollo's `extensions.persistedQuery: { version: 1, sha256Hash }` (a missing version is read
 *   as 1);
 * - the GraphQL-over-HTTP `documentId` (graphql-codegen's client preset sends `sha256:<hex>`);
 * - Relay's `doc_id`.
 *
 * With a manifest (`PERSISTED_OPERATIONS_FILE`), only its documents run: by id, or as text that
 * is one of them (ignoring comments and layout, so GraphiQL can run a manifest document pasted
 * in). Without one, an id alone is answered `PERSISTED_QUERY_NOT_SUPPORTED`, which makes Apollo
 * Client's persisted-queries link fall back to sending the text.
 */
export function usePersistedDocuments(manifest: PersistedManifest | undefined): Plugin {
  return {
    onParams({ params, request, setParams }) {
      const id = persistedId(params, request);
      const clean = (query: string): GraphQLParams => ({
        query,
        ...(params.operationName ? { operationName: params.operationName } : {}),
        ...(params.variables ? { variables: params.variables } : {}),
        ...(params.extensions ? { extensions: params.extensions } : {}),
      });
      if (id === undefined) {
        if (!manifest || params.query === undefined) return;
        if (!manifest.holdsText(params.query)) throw persistedOnly();
        return;
      }
      if (!manifest) {
        if (params.query === undefined) throw notSupported();
        setParams(clean(params.query));
        return;
      }
      // With the text too (Apollo's link sends both after an unknown id), the text decides: a
      // manifest document runs whatever id came with it, anything else is not allowed here.
      if (params.query !== undefined) {
        if (!manifest.holdsText(params.query)) throw persistedOnly();
        setParams(clean(params.query));
        return;
      }
      const document = manifest.document(id);
      if (document === undefined) throw notFound(id);
      setParams(clean(document));
    },
  };
}

/** The operations a manifest allows, by id and by their normalised text. */
export class PersistedManifest {
  readonly #byId: Map<string, string>;
  readonly #texts: Set<string>;

  constructor(documents: Map<string, string>) {
    this.#byId = documents;
    this.#texts = new Set([...documents.values()].map(normalise));
  }

  /**
   * Reads `{ "<id>": "<document>" }` (Relay's and graphql-codegen's form) or Apollo's persisted
   * query manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [...] }`).
   */
  /**
   * Every document must parse and validate against `schema`: one that does not would fail for
   * every client that sends its id, so it stops the start, named.
   */
  static fromFile(file: string, schema: GraphQLSchema): PersistedManifest {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(
        `PERSISTED_OPERATIONS_FILE is not valid JSON: ${(error as Error).message}`,
      );
    }
    const entries = manifestEntries(manifest);
    if (entries.length === 0 || entries.some(([id, text]) => !id || typeof text !== 'string')) {
      throw new ConfigError(
        'PERSISTED_OPERATIONS_FILE must hold a JSON object of operation id → GraphQL document, or an Apollo persisted query manifest',
      );
    }
    for (const [id, text] of entries) {
      let document: DocumentNode;
      try {
        document = parse(text as string);
      } catch {
        throw new ConfigError(`PERSISTED_OPERATIONS_FILE: the document of "${id}" does not parse`);
      }
      const [problem] = validate(schema, document);
      if (problem) {
        throw new ConfigError(
          `PERSISTED_OPERATIONS_FILE: the document of "${id}" is not valid against the schema: ${problem.message}`,
        );
      }
    }
    return new PersistedManifest(new Map(entries as Array<[string, string]>));
  }

  /** The document of an id; `sha256:` is optional on either side. */
  document(id: string): string | undefined {
    const bare = id.replace(/^sha256:/, '');
    return this.#byId.get(id) ?? this.#byId.get(bare) ?? this.#byId.get(`sha256:${bare}`);
  }

  holdsText(query: string): boolean {
    try {
      return this.#texts.has(normalise(query));
    } catch {
      return false;
    }
  }

  /** The documents, for GraphiQL to show. */
  get documents(): string[] {
    return [...this.#byId.values()];
  }
}

function manifestEntries(manifest: unknown): Array<[string, unknown]> {
  if (typeof manifest !== 'object' || manifest === null) return [];
  const operations = (manifest as { operations?: unknown }).operations;
  if (Array.isArray(operations)) {
    return operations.map((operation: { id?: unknown; body?: unknown }) => [
      typeof operation?.id === 'string' ? operation.id : '',
      operation?.body,
    ]);
  }
  return Object.entries(manifest);
}

/** The persisted id a request names, in whichever form its client uses. */
function persistedId(params: GraphQLParams, request: Request): string | undefined {
  const body = params as GraphQLParams & { documentId?: unknown; doc_id?: unknown };
  const persistedQuery = (params.extensions as { persistedQuery?: unknown } | undefined)
    ?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (
    typeof persistedQuery?.sha256Hash === 'string' &&
    (persistedQuery.version === undefined || persistedQuery.version === 1)
  ) {
    return persistedQuery.sha256Hash;
  }
  if (typeof body.documentId === 'string') return body.documentId;
  if (typeof body.doc_id === 'string') return body.doc_id;
  if (request.method === 'GET') {
    // Yoga's GET parser keeps only the standard parameters.
    const search = new URL(request.url).searchParams;
    return search.get('documentId') ?? search.get('doc_id') ?? undefined;
  }
  return undefined;
}

/** A document's text without comments or layout. */
function normalise(text: string): string {
  return print(parse(text, { noLocation: true }));
}

function persistedOnly() {
  return gatewayError(
    'PERSISTED_QUERY_ONLY',
    'Only persisted documents run here: send the id of one (extensions.persistedQuery.sha256Hash, documentId or doc_id), or its exact text',
    { httpStatus: 400 },
  );
}

function notFound(id: string) {
  return gatewayError(
    'PERSISTED_QUERY_NOT_FOUND',
    `No persisted document has the id "${id.slice(0, 100)}"`,
    { httpStatus: 400 },
  );
}

function notSupported() {
  return gatewayError(
    'PERSISTED_QUERY_NOT_SUPPORTED',
    'Persisted documents are not enabled here: send the document text',
    { httpStatus: 400 },
  );
}
