import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isIntrospectionType,
  isListType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
} from 'graphql';
import { type IntrospectionSizes, introspectionSizes } from './introspection-sizes.js';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** The page size a connection without `first` / `last` returns. */
  defaultPageSize: number;
  /** What a list without paging counts as before execution: its length is known only then. */
  listCostEstimate: number;
}

export interface LimitViolation {
  limit: 'depth' | 'aliases' | 'rootFields' | 'cost';
  message: string;
}

/** Where a selection set sits: how deep, and how many times it could be answered. */
interface Level {
  depth: number;
  multiplier: number;
  /**
   * Set while the objects here are each a different object of the schema's introspection (every
   * type once, every field once): the multiplier under `__schema` that such lists multiply.
   */
  enumerationBase: number | undefined;
  /** Consecutive `ofType` fields that lead here. */
  ofTypeRun: number;
  /** Under an `ofType` chain longer than any type's wrapping: null, so never executed. */
  unreachable: boolean;
}

type Variables = Record<string, unknown> | null | undefined;

/**
 * Checks one operation against the limits before anything executes. The cost is the number of
 * objects the query could return: a field counts once per object it is asked of, inside a
 * connection once per item of the page (`first`, `last`, or the default page size), inside
 * `nodes(ids:)` and `_entities` once per id, inside a list whose definition bounds its length
 * (`extensions.listSize`) once per item of that bound, inside any other list once per
 * `listCostEstimate` items, and inside introspection's lists once per item they can really have
 * in this schema. Introspection's meta fields are walked like any other. The walk stops at the
 * first limit exceeded, so fragment "bombs" cost no more than the budget to reject.
 */
export function findLimitViolation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
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
  const sizes = introspectionSizes(schema);

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
    level: Level,
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
        walk(fragment.selectionSet, type, level, new Set([...spreadPath, name]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (type && isCompositeType(type)) walk(selection.selectionSet, type, level, spreadPath);
        continue;
      }
      const { depth, multiplier } = level;
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
          `The query could return more than ${limits.maxCost} objects (a list without paging counts as ${limits.listCostEstimate}); ask for smaller pages or fewer fields`,
        );
        return;
      }
      const field = fieldDefinition(schema, parentType, selection.name.value);
      const fieldType = field && getNamedType(field.type);
      if (!selection.selectionSet || !fieldType || !isCompositeType(fieldType)) continue;
      walk(
        selection.selectionSet,
        fieldType,
        levelBelow(selection, field, parentType, level, variables, limits, sizes),
        spreadPath,
      );
    }
  };

  const rootType = schema.getRootType(operation.operation);
  const root = {
    depth: 1,
    multiplier: 1,
    enumerationBase: undefined,
    ofTypeRun: 0,
    unreachable: false,
  };
  if (rootType) walk(operation.selectionSet, rootType, root, new Set());
  return violation;
}

/** A field of a type, the meta fields of introspection included. */
function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parentType ? parentType.getFields()[name] : undefined;
}

/**
 * The most items a list field can hold, where its definition says (`extensions.listSize`: the
 * attributes of one image change, say). Its items are counted as they return all the same.
 */
function declaredListSize(field: GraphQLField<unknown, unknown>): number | undefined {
  const size = field.extensions?.listSize;
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** The level of a field's selection set: one deeper, times the items one value of it holds. */
function levelBelow(
  selection: FieldNode,
  field: GraphQLField<unknown, unknown>,
  parentType: GraphQLCompositeType,
  level: Level,
  variables: Variables,
  limits: QueryLimits,
  sizes: IntrospectionSizes,
): Level {
  const ofTypeRun =
    parentType.name === '__Type' && field.name === 'ofType' ? level.ofTypeRun + 1 : 0;
  const unreachable = level.unreachable || ofTypeRun > sizes.maxWrapping;
  const below = {
    depth: unreachable ? level.depth : level.depth + 1,
    multiplier: level.multiplier,
    enumerationBase: undefined as number | undefined,
    ofTypeRun,
    unreachable,
  };
  if (field === SchemaMetaFieldDef) return { ...below, enumerationBase: level.multiplier };
  const argument = (name: string) => {
    const node = selection.arguments?.find((a) => a.name.value === name);
    return node ? valueFromASTUntyped(node.value, variables ?? undefined) : undefined;
  };
  if (!isListType(getNullableType(field.type))) {
    if (!getNamedType(field.type).name.endsWith('Connection')) return below;
    const size = argument('first') ?? argument('last');
    const items = typeof size === 'number' && size >= 0 ? size : limits.defaultPageSize;
    return { ...below, multiplier: level.multiplier * Math.max(1, items) };
  }
  if (isIntrospectionType(parentType)) {
    const key = `${parentType.name}.${field.name}`;
    const total = sizes.total.get(key);
    if (level.enumerationBase !== undefined && total !== undefined) {
      return {
        ...below,
        multiplier: level.enumerationBase * Math.max(1, total),
        enumerationBase: sizes.distinct.has(key) ? level.enumerationBase : undefined,
      };
    }
    const items = sizes.max.get(key) ?? limits.listCostEstimate;
    return { ...below, multiplier: level.multiplier * Math.max(1, items) };
  }
  // A connection's own lists hold its page, already counted at the connection.
  if (parentType.name.endsWith('Connection')) return below;
  const ids = argument('ids') ?? argument('representations');
  const items =
    ids === undefined
      ? (declaredListSize(field) ?? limits.listCostEstimate)
      : Array.isArray(ids)
        ? ids.length
        : 1;
  return { ...below, multiplier: level.multiplier * Math.max(1, items) };
}
