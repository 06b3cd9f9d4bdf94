/** The operations GraphiQL opens with: a short tour of the graph. Pick one with the run button. */
export const GRAPHIQL_EXAMPLES = `# Welcome to foreman-images-graphql.
# Each operation below is one request; choose which to run from the ▶ button.

# Images of one compute resource, each with its architecture and operating system.
# Names and titles come from the image rows themselves: this costs 2 upstream requests.
query ImagesWithRelations {
  computeResources(first: 5) {
    nodes {
      name
      provider
      images(first: 10) {
        totalCount
        nodes { name uuid architecture { name } operatingSystem { title } }
      }
    }
  }
}

# Relay pagination: pass pageInfo.endCursor as "after" to read the next page.
query PageThroughImages($after: String) {
  images(first: 25, after: $after, order: "name") {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id foremanId name computeResource { name } } }
  }
}

# Foreman's scoped_search syntax is passed through.
query SearchImages {
  images(search: "name ~ rhel and user_data = true", first: 20) {
    totalCount
    nodes { name username userData iamRole computeResource { name provider } }
  }
}

# Any object by global id (ids are compatible with Foreman's own GraphQL API).
query NodeById {
  node(id: "MDE6QXJjaGl0ZWN0dXJlLTE=") {
    id
    ... on Architecture { name operatingSystems { title } }
  }
}
`;

/**
 * What GraphiQL opens with when only persisted documents run: it sends documents as text, and a
 * manifest document's text runs (comments and layout aside), so it opens on the first of them.
 */
export function graphiqlPersistedOnly(documents: string[]): string {
  return `# This gateway runs only its persisted documents (PERSISTED_OPERATIONS_FILE).
# GraphiQL sends the text of what is in this editor: it runs when that text is one of the
# ${documents.length} persisted document(s), like the one below; anything else is refused with
# PERSISTED_QUERY_ONLY. Applications send the document's id instead.

${documents[0] ?? ''}
`;
}
