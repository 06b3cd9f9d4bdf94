/**
 * The operations GraphiQL opens with: a short tour of the graph. Each states what it costs in
 * requests to Foreman on the demo upstream (a test runs them and counts). No line is longer than
 * EXAMPLE_LINE_MAX: at 1280 px GraphiQL's editor shows 48 characters of its 15 px monospace, and
 * scrolls four columns past its longest line; a browser test checks that nothing is cut there,
 * nor scrolls sideways.
 */
export const GRAPHIQL_EXAMPLES = `# Welcome to foreman-images-graphql.
# Each operation below is one request:
# choose which to run from the ▶ button.
# Each says what it costs in requests to
# Foreman on the demo.

# Compute resources, each with its first
# images, their architecture and operating
# system.
# Costs 6 upstream requests on the demo:
# 1 for the compute resources, 1 per compute
# resource for its images. Names and titles
# come from the image rows themselves: no
# request for them.
query ImagesWithRelations {
  computeResources(first: 5) {
    nodes {
      name
      provider
      images(first: 10) {
        totalCount
        nodes {
          name
          uuid
          architecture { name }
          operatingSystem { title }
        }
      }
    }
  }
}

# Relay pagination: pass pageInfo.endCursor
# as "after" (in the Variables pane below)
# to read the next page. Cursors are ids, so
# images added or deleted before the cursor
# do not shift it.
# Costs 1 upstream request on the demo, at
# any depth.
query PageThroughImages($after: String) {
  images(
    computeResourceId: "2"
    first: 25
    after: $after
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id
        foremanId
        name
        architecture { name }
      }
    }
  }
}

# Foreman's scoped_search syntax is passed
# through ("user_data" alone means
# user_data = true). With no parent: the
# images of every compute resource you can
# see, in one order by id.
# Costs 8 upstream requests on the demo:
# 1 for the compute resources, 1 per compute
# resource.
query SearchImages {
  images(
    search: "name ~ rhel and user_data"
    first: 20
  ) {
    totalCount
    nodes {
      name
      username
      userData
      iamRole
      computeResource { name provider }
    }
  }
}

# Any object by global id (compatible with
# Foreman's own GraphQL API).
# Costs 2 upstream requests on the demo: the
# architecture, and its show page for the
# list.
query NodeById {
  node(id: "MDE6QXJjaGl0ZWN0dXJlLTE=") {
    id
    ... on Architecture {
      name
      operatingSystems { title }
    }
  }
}

# A write: create an image. The values are
# variables with defaults; to change them,
# give yours in the Variables pane below,
# for instance
#   { "name": "rhel-9-golden",
#     "uuid": "/var/lib/images/r9.qcow2" }
# What Foreman refuses comes back as data,
# in "errors": run it twice for "has already
# been taken". The demo viewer may not
# write: its answer is FORBIDDEN.
# Costs 3 upstream requests on the demo: the
# architecture and the operating system are
# checked, then the write.
mutation CreateImage(
  $computeResourceId: ID! = "1"
  $name: String! = "my-first-image"
  $uuid: String! = "/var/lib/images/a.qcow2"
  $architectureId: ID = "1"
  $operatingSystemId: ID = "1"
) {
  createImage(input: {
    computeResourceId: $computeResourceId
    name: $name
    uuid: $uuid
    username: "root"
    architectureId: $architectureId
    operatingSystemId: $operatingSystemId
  }) {
    image { id foremanId name uuid }
    errors {
      __typename
      message
      ... on InputValidationError { path }
    }
  }
}

# Rename the image CreateImage made: give
# its id in the Variables pane below, as
#   { "id": "<image.id from CreateImage>" }
# Fields left out stay as they are; null
# clears one (iamRole here).
# Costs 2 upstream requests on the demo:
# the image, where the gateway last saw it
# (CreateImage told it), and the write. An
# image it never saw is looked for under
# each architecture first (1 + 5 more).
mutation RenameImage(
  $id: ID!
  $name: String! = "my-renamed-image"
) {
  updateImage(input: {
    id: $id
    name: $name
    iamRole: null
  }) {
    image { id name iamRole }
    errors { __typename message }
  }
}

# Live changes to images, told as they
# happen (Server-Sent Events). Run it, then
# change an image (run CreateImage or
# RenameImage, or edit one in Foreman): the
# change shows up here. Press ■ to stop.
# Costs 1 upstream request on the demo when
# it opens, and 1 every 5 s while it is open
# (the audit log, read once for all your
# subscriptions); then 2 per change: the
# image and its compute resource, read as
# you may see them.
subscription ImageChanges {
  imageChanged {
    action
    foremanId
    image { name computeResource { name } }
    changedAt
    changedBy
  }
}
`;

/** The longest line of GRAPHIQL_EXAMPLES, in characters. */
export const EXAMPLE_LINE_MAX = 44;

/**
 * What GraphiQL opens with when only persisted documents run: it sends documents as text, and a
 * manifest document's text runs (comments and layout aside), so it opens on the first of them.
 */
export function graphiqlPersistedOnly(documents: string[]): string {
  return `# PERSISTED_OPERATIONS_FILE is set: this
# gateway runs only its persisted documents.
# GraphiQL sends the text of what is in
# this editor: it runs when that text is one
# of the ${documents.length} persisted document(s), like
# the one below; anything else is refused
# with PERSISTED_QUERY_ONLY. Applications
# send the document's id instead.

${documents[0] ?? ''}
`;
}
