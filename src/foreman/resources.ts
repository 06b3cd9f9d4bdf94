import type { ResourceName, ShowOf } from './records.js';

/**
 * The Foreman resources the gateway knows, each described once. Loaders, reuse of listed rows,
 * invalidation after writes, global ids, GraphQL names and the generic parts of the schema are
 * all driven by this table; a new resource is one entry here (plus its record types in
 * records.ts and its GraphQL type file).
 */
export interface ResourceDefinition<R extends ResourceName> {
  /** The REST collection: `/api/<collection>`. */
  readonly collection: string;
  /** The type name in Foreman's own GraphQL global ids, `base64("01:<globalIdType>-<id>")`. */
  readonly globalIdType: string;
  /** The GraphQL type name, and the plural its list fields take. */
  readonly graphqlName: string;
  readonly graphqlPlural: string;
  /** False when Foreman has no `/api/<collection>`: images are listed only under a parent. */
  readonly topLevel: boolean;
  /** Foreman lists images under it: `/api/<collection>/:id/images`. */
  readonly holdsImages: boolean;
  /**
   * Child lists that its show response carries and its index rows do not: the JSON key, and the
   * resource its items are (each item holds that resource's id and a few of its fields).
   */
  readonly showLists: { readonly [K in keyof ShowOf<R> & string]?: ResourceName };
  /** Sent as `order` when the caller gives none, where Foreman's index has no order of its own. */
  readonly defaultOrder?: string;
}

export const RESOURCES = {
  architecture: {
    collection: 'architectures',
    globalIdType: 'Architecture',
    graphqlName: 'Architecture',
    graphqlPlural: 'architectures',
    topLevel: true,
    holdsImages: true,
    showLists: { operatingsystems: 'operatingSystem' },
    defaultOrder: 'id',
  },
  operatingSystem: {
    collection: 'operatingsystems',
    globalIdType: 'Operatingsystem',
    graphqlName: 'OperatingSystem',
    graphqlPlural: 'operatingSystems',
    topLevel: true,
    holdsImages: true,
    showLists: { architectures: 'architecture' },
  },
  computeResource: {
    collection: 'compute_resources',
    globalIdType: 'ComputeResource',
    graphqlName: 'ComputeResource',
    graphqlPlural: 'computeResources',
    topLevel: true,
    holdsImages: true,
    showLists: {},
  },
  image: {
    collection: 'images',
    globalIdType: 'Image',
    graphqlName: 'Image',
    graphqlPlural: 'images',
    topLevel: false,
    holdsImages: false,
    showLists: {},
    defaultOrder: 'id',
  },
} as const satisfies { readonly [R in ResourceName]: ResourceDefinition<R> };

type Table = typeof RESOURCES;

/** Resources with an index and a show route of their own (`/api/<collection>[/:id]`). */
export type TopLevelName = {
  [R in ResourceName]: Table[R]['topLevel'] extends true ? R : never;
}[ResourceName];

/** Resources Foreman lists images under. */
export type ImageParentName = {
  [R in ResourceName]: Table[R]['holdsImages'] extends true ? R : never;
}[ResourceName];

/** The show lists a resource carries, by JSON key. */
export type ShowListKey<R extends ResourceName> = keyof Table[R]['showLists'] & string;

export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

export function definitionOf(resource: ResourceName): ResourceDefinition<ResourceName> {
  return RESOURCES[resource] as ResourceDefinition<ResourceName>;
}

/** A parent under which Foreman lists images. */
export interface ImageParent {
  resource: ImageParentName;
  id: number;
}
