import type { TopLevelName } from '../foreman/resources.js';

/**
 * The Foreman resources that are GraphQL Node types: their GraphQL name, the plural their list
 * fields take, and the type name their global ids carry (Foreman's own GraphQL ids,
 * `base64("01:<globalIdType>-<id>")`, so ids carry between the two APIs). Global ids decode to
 * these types only: a REST resource of the Foreman layer that is not here (audits) has no global
 * id and is no Node.
 */
export interface NodeType {
  readonly graphqlName: string;
  readonly graphqlPlural: string;
  readonly globalIdType: string;
}

export const NODE_TYPES = {
  architecture: {
    graphqlName: 'Architecture',
    graphqlPlural: 'architectures',
    globalIdType: 'Architecture',
  },
  operatingSystem: {
    graphqlName: 'OperatingSystem',
    graphqlPlural: 'operatingSystems',
    globalIdType: 'Operatingsystem',
  },
  computeResource: {
    graphqlName: 'ComputeResource',
    graphqlPlural: 'computeResources',
    globalIdType: 'ComputeResource',
  },
  // Foreman's GraphQL has no Image type: `Image` is the form it would use.
  image: { graphqlName: 'Image', graphqlPlural: 'images', globalIdType: 'Image' },
} as const satisfies Record<string, NodeType>;

/** A resource that is a GraphQL Node type. */
export type NodeResource = keyof typeof NODE_TYPES;

/** A Node type with an index and a show route of its own (images have neither). */
export type TopLevelNode = Extract<NodeResource, TopLevelName>;

export const NODE_RESOURCES = Object.keys(NODE_TYPES) as NodeResource[];
