import {
  defaultFieldResolver,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  responsePathAsArray,
} from 'graphql';
import { limitExceeded } from '../error-codes.js';

/**
 * Counts the objects one execution's lists actually return, against MAX_COST. The estimate made
 * before execution counts a list of unknown length at LIST_COST_ESTIMATE; this holds the budget
 * when a list turns out longer. Past it, the list that crossed it, and every list after it, is
 * answered LIMIT_EXCEEDED; what resolved before stays in the response.
 */
export class CostMeter {
  #spent = 0;

  constructor(readonly maxCost: number) {}

  /** Objects counted so far. */
  get spent(): number {
    return this.#spent;
  }

  /** Throws once over budget: a list asked for after that is not even read. */
  check(info: GraphQLResolveInfo): void {
    if (this.#spent > this.maxCost) throw this.#exceeded(info);
  }

  /** Counts the items of a list a resolver returned, and returns it: throws once over budget. */
  charge<T>(value: T, info: GraphQLResolveInfo): T {
    if (Array.isArray(value)) this.#spent += value.length;
    this.check(info);
    return value;
  }

  /**
   * One error per list left out, and there can be thousands. Each is made with its place in the
   * response (graphql-js then takes it as it is) and without a stack trace (which nobody reads):
   * otherwise graphql-js wraps it, and yoga copies both errors when it sends them, capturing and
   * formatting stacks each time, about ten times the cost.
   */
  #exceeded(info: GraphQLResolveInfo): GraphQLError {
    return limitExceeded(
      'cost',
      `The query's lists returned more than ${this.maxCost} objects; this list and any later one are left out`,
      { at: { nodes: info.fieldNodes, path: responsePathAsArray(info.path) }, withoutStack: true },
    );
  }
}

/** A fresh budget: one per request, and one per subscription event. */
export function createCostMeter(maxCost: number): CostMeter {
  return new CostMeter(maxCost);
}

/**
 * Makes every field of the schema that returns a list of objects count its items on the
 * context's meter (`context.cost`), and every connection field refuse to read its page once the
 * budget is spent. Done once, when the schema is built; other fields are left as they are, so the
 * meter costs nothing where no list is returned. Introspection's lists are not wrapped: they are
 * bounded by the schema, and counted at their real sizes beforehand.
 */
export function meterLists(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      const fieldType = getNullableType(field.type);
      if (isListType(fieldType) && isCompositeType(getNamedType(fieldType))) {
        field.resolve = counted(resolve);
      } else if (getNamedType(fieldType).name.endsWith('Connection')) {
        field.resolve = withinBudget(resolve);
      }
    }
  }
  return schema;
}

const meterOf = (context: unknown) => (context as { cost: CostMeter }).cost;

function counted(
  resolve: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const meter = meterOf(context);
    meter.check(info);
    const result = resolve(source, args, context, info);
    return isPromiseLike(result)
      ? result.then((list) => meter.charge(list, info))
      : meter.charge(result, info);
  };
}

function withinBudget(
  resolve: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    meterOf(context).check(info);
    return resolve(source, args, context, info);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
