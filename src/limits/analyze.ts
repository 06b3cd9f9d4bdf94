import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** The page size a connection without `first` / `last` returns. */
  defaultPageSize: number;
}

export interface LimitViolation {
  limit: 'depth' | 'aliases' | 'rootFields' | 'cost';
  message: string;
}

/**
 * Checks one operation against the limits before anything executes. The cost is the number of
 * objects the query could return: a field inside a connection counts once per item of the page
 * (`first`, `last`, or the default page size), and `nodes(ids:)` once per id. The walk stops at
 * the first limit exceeded, so fragment "bombs" cost no more than the budget to reject.
 */
export function findLimitViolation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): LimitViolation | undefined {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation) return undefined;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );

  let aliases = 0;
  let cost = 0;
  let rootFields = 0;
  let violation: LimitViolation | undefined;
  const fail = (limit: LimitViolation['limit'], message: string) => {
    violation ??= { limit, message };
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    depth: number,
    multiplier: number,
    spreadPath: ReadonlySet<string>,
  ): void => {
    for (const selection of selectionSet.selections) {
      if (violation) return;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle is already a validation error; never loop on one here.
        if (!fragment || spreadPath.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (!type || !isCompositeType(type)) continue;
        walk(fragment.selectionSet, type, depth, multiplier, new Set([...spreadPath, name]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (type && isCompositeType(type))
          walk(selection.selectionSet, type, depth, multiplier, spreadPath);
        continue;
      }
      if (selection.alias) {
        aliases += 1;
        if (aliases > limits.maxAliases) {
          fail('aliases', `The query uses more than ${limits.maxAliases} aliases`);
        }
      }
      if (depth === 1) {
        rootFields += 1;
        if (rootFields > limits.maxRootFields) {
          fail('rootFields', `The query asks for more than ${limits.maxRootFields} root fields`);
        }
      }
      if (depth > limits.maxDepth) {
        fail('depth', `The query is nested deeper than ${limits.maxDepth} levels`);
        return;
      }
      cost += multiplier;
      if (cost > limits.maxCost) {
        fail(
          'cost',
          `The query could return more than ${limits.maxCost} objects; ask for smaller pages or fewer fields`,
        );
        return;
      }
      if (!selection.selectionSet || !('getFields' in parentType)) continue;
      const field = parentType.getFields()[selection.name.value];
      const fieldType = field && getNamedType(field.type);
      if (!fieldType || !isCompositeType(fieldType)) continue;
      walk(
        selection.selectionSet,
        fieldType,
        depth + 1,
        multiplier * itemsPerField(selection, fieldType.name, variables, limits),
        spreadPath,
      );
    }
  };

  const rootType = schema.getRootType(operation.operation);
  if (rootType) walk(operation.selectionSet, rootType, 1, 1, new Set());
  return violation;
}

/** How many items one value of this field holds: a connection's page size, `nodes`' ids. */
function itemsPerField(
  field: FieldNode,
  typeName: string,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): number {
  const argument = (name: string) => {
    const node = field.arguments?.find((a) => a.name.value === name);
    return node ? valueFromASTUntyped(node.value, variables ?? undefined) : undefined;
  };
  if (typeName.endsWith('Connection')) {
    const size = argument('first') ?? argument('last');
    return typeof size === 'number' && size >= 0 ? Math.max(1, size) : limits.defaultPageSize;
  }
  const ids = argument('ids') ?? argument('representations');
  return Array.isArray(ids) ? Math.max(1, ids.length) : 1;
}
