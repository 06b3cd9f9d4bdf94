/**
 * The operations GraphiQL opens with: a short tour of the graph. Each states what it costs in
 * requests to Foreman on the demo upstream (a test runs them and counts).
 */
export const GRAPHIQL_EXAMPLES = `# Welcome to foreman-images-graphql.
# Each operation below is one request; choose which to run from the ▶ button.

# Compute resources, each with its first images, their architecture and operating system.
# Costs 6 upstream requests on the demo: 1 for the compute resources, 1 per compute resource for
# its images. Names and titles come from the image rows themselves: no request for them.
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

# Relay pagination: pass pageInfo.endCursor as "after" to read the next page. Cursors are ids,
# so images added or deleted before the cursor do not shift the next page.
# Costs 1 upstream request on the demo, at any depth.
query PageThroughImages($after: String) {
  images(computeResourceId: "2", first: 25, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id foremanId name architecture { name } } }
  }
}

# Foreman's scoped_search syntax is passed through. With no parent, the images of every
# compute resource you can see, in one order by id.
# Costs 8 upstream requests on the demo: 1 for the compute resources, 1 per compute resource.
query SearchImages {
  images(search: "name ~ rhel and user_data = true", first: 20) {
    totalCount
    nodes { name username userData iamRole computeResource { name provider } }
  }
}

# Any object by global id (ids are compatible with Foreman's own GraphQL API).
# Costs 2 upstream requests on the demo: the architecture, and its show page for the list.
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

/** How a GraphiQL user signs in, shown on the page; none where a service account is used. */
export function graphiqlSignInNote(mode: 'forwarding' | 'demo' | 'service-account'): string {
  if (mode === 'service-account') return '';
  const link = '<a href="/sign-in?to=/graphql">Sign in</a>';
  const text =
    mode === 'demo'
      ? `Demo: you act as the demo admin. ${link} as someone else (viewer / viewer).`
      : `${link} with your Foreman login (your browser asks); a personal access token works as the password.`;
  return `<div id="foreman-sign-in" style="position:fixed;right:12px;bottom:8px;z-index:10;padding:4px 10px;border-radius:6px;background:#f2f4f7;color:#333;font:13px sans-serif;opacity:.92">${text}</div>`;
}
