import type { ResourceName, ShowOf } from './records.js';

/**
 * The REST resources of Foreman the gateway reads, each described once, as Foreman serves it:
 * where its index is, whether it lists images, what its show response adds, how its index is
 * ordered. Loaders, reuse of listed rows and invalidation after writes are driven by this table.
 * It says nothing of GraphQL: which of these are GraphQL Node types, and their names there, is
 * the schema's own table (src/schema/node-types.ts), so a resource that is not a Node (audits)
 * fits here without entering it.
 */
export interface ResourceDefinition<R extends ResourceName> {
  /** The REST collection: `/api/<collection>`. */
  readonly collection: string;
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
    topLevel: true,
    holdsImages: true,
    showLists: { operatingsystems: 'operatingSystem' },
    defaultOrder: 'id',
  },
  operatingSystem: {
    collection: 'operatingsystems',
    topLevel: true,
    holdsImages: true,
    showLists: { architectures: 'architecture' },
  },
  computeResource: {
    collection: 'compute_resources',
    topLevel: true,
    holdsImages: true,
    showLists: {},
  },
  image: {
    collection: 'images',
    topLevel: false,
    holdsImages: false,
    showLists: {},
    defaultOrder: 'id',
  },
  audit: {
    collection: 'audits',
    topLevel: true,
    holdsImages: false,
    showLists: {},
    // Foreman's default is `time DESC`, whose ties are unordered: ids are what pages by.
    defaultOrder: 'id DESC',
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
