import type { Config } from './config.js';
import { graphiqlBar } from './graphiql-bar.js';
import { GRAPHIQL_EXAMPLES, graphiqlPersistedOnly } from './graphiql-examples.js';
import { GraphiQLPage } from './graphiql-page.js';
import type { PersistedManifest } from './plugins/use-persisted-documents.js';

/**
 * GraphiQL as this configuration serves it, or none with GRAPHIQL=false. Where introspection is
 * off, GraphiQL does not ask for the schema (it would show one refusal per introspected field)
 * and its bar says once why there is no completion or docs; operations still run.
 */
export function graphiqlPageFor(
  config: Config,
  persistedDocuments: PersistedManifest | undefined,
): GraphiQLPage | undefined {
  if (!config.http.graphiql) return undefined;
  const { introspection } = config.http;
  return new GraphiQLPage(
    '/graphql',
    {
      title: 'Foreman images GraphQL',
      // GraphiQL would open subscriptions with a plain GET, which CSRF prevention refuses
      // (a browser attaches remembered Basic credentials to it); a JSON POST passes.
      method: 'POST',
      defaultQuery: persistedDocuments
        ? graphiqlPersistedOnly(persistedDocuments.documents)
        : GRAPHIQL_EXAMPLES,
      ...(introspection ? {} : { schema: null }),
    },
    graphiqlBar({ introspection }),
  );
}
