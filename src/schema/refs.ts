import type { ImplementableObjectRef } from '@pothos/core';
import type { ResourceName } from '../foreman/records.js';
import type { TopLevelName } from '../foreman/resources.js';
import { RESOURCE_NAMES, RESOURCES } from '../foreman/resources.js';
import { builder } from './builder.js';
import type { NodeSource, RecordSource, SourceOf } from './sources.js';

type Types = typeof builder.$inferSchemaTypes;
export type ObjectRefOf<R extends ResourceName> = ImplementableObjectRef<Types, SourceOf<R>>;

/**
 * The object refs of every resource in the table, declared before any is implemented: the types
 * refer to each other (an image to its architecture, an architecture to its images).
 */
export const OBJECT_REFS = Object.fromEntries(
  RESOURCE_NAMES.map((resource) => [resource, builder.objectRef(RESOURCES[resource].graphqlName)]),
) as { [R in ResourceName]: ObjectRefOf<R> };

export const Node = builder.interfaceRef<NodeSource>('Node');

/** The ref of a top-level resource, whose source is a plain RecordSource. */
export function topLevelRef<R extends TopLevelName>(
  resource: R,
): ImplementableObjectRef<Types, RecordSource<R>> {
  return OBJECT_REFS[resource] as unknown as ImplementableObjectRef<Types, RecordSource<R>>;
}
