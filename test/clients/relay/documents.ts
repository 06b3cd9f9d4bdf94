import { graphql } from 'relay-runtime';

/**
 * The Relay documents of test/clients/relay.test.ts, read only by relay-compiler
 * (`relay.config.json` beside this file): nothing imports this module at run time, where the
 * `graphql` tag would throw without Babel. The tests import the artifacts in `__generated__/`,
 * and a test fails when they no longer match these documents or schema.graphql. After changing
 * either: `npm run relay`.
 */

/** A compute resource's images as a Relay connection, paged both ways (`usePaginationFragment`). */
export const images = graphql`
  fragment documents_images on ComputeResource
  @refetchable(queryName: "documentsImagesPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    images(first: $first, after: $after, last: $last, before: $before)
      @connection(key: "documents_images") {
      totalCount
      pageInfo {
        startCursor
        endCursor
        hasNextPage
        hasPreviousPage
      }
      edges {
        node {
          id
          foremanId
          name
        }
      }
    }
  }
`;

export const computeResource = graphql`
  query documentsComputeResourceQuery($id: ID!, $first: Int, $last: Int) {
    computeResource(id: $id) {
      id
      name
      ...documents_images @arguments(first: $first, last: $last)
    }
  }
`;

export const image = graphql`
  query documentsImageQuery($id: ID!) {
    image(id: $id) {
      id
      foremanId
      name
      computeResource {
        id
        foremanId
        name
      }
    }
  }
`;

export const updateImage = graphql`
  mutation documentsUpdateImageMutation($input: UpdateImageInput!) {
    updateImage(input: $input) {
      image {
        id
        name
        computeResource {
          id
          foremanId
          name
        }
      }
      errors {
        __typename
        message
        ... on InputValidationError {
          path
        }
      }
    }
  }
`;

/** Deletes an image and drops its edge from the connections named (Relay's `@deleteEdge`). */
export const deleteImage = graphql`
  mutation documentsDeleteImageMutation($input: DeleteImageInput!, $connections: [ID!]!) {
    deleteImage(input: $input) {
      deletedId @deleteEdge(connections: $connections)
      errors {
        __typename
        message
      }
    }
  }
`;
