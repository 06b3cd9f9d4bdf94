import type { ImplementableObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import { NODE_RESOURCES, NODE_TYPES, type NodeResource, type TopLevelNode } from './node-types.js';
import type { NodeSource, RecordSource, SourceOf } from './sources.js';

type Types = typeof builder.$inferSchemaTypes;
export type ObjectRefOf<R extends NodeResource> = ImplementableObjectRef<Types, SourceOf<R>>;

/**
 * The object refs of every resource in the table, declared before any is implemented: the types
 * refer to each other (an image to its architecture, an architecture to its images).
 */
export const OBJECT_REFS = Object.fromEntries(
  NODE_RESOURCES.map((resource) => [resource, builder.objectRef(NODE_TYPES[resource].graphqlName)]),
) as { [R in NodeResource]: ObjectRefOf<R> };

export const Node = builder.interfaceRef<NodeSource>('Node');

/** The ref of a top-level resource, whose source is a plain RecordSource. */
export function topLevelRef<R extends TopLevelNode>(
  resource: R,
): ImplementableObjectRef<Types, RecordSource<R>> {
  return OBJECT_REFS[resource] as unknown as ImplementableObjectRef<Types, RecordSource<R>>;
}
