import {
  type GraphQLSchema,
  type GraphQLType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isWrappingType,
} from 'graphql';

/**
 * How long the lists of introspection can really be in one schema: introspection answers from
 * the schema, never from Foreman, so its lists are counted at these figures rather than at the
 * estimate for lists of unknown length (GraphiQL's own schema query must pass the limits).
 */
export interface IntrospectionSizes {
  /** Most items one value of a list field has, by `<type>.<field>` (`__Type.fields`). */
  max: ReadonlyMap<string, number>;
  /** Items of a list field across every value the schema has (all fields of all types). */
  total: ReadonlyMap<string, number>;
  /** Lists whose items are each a different object of the schema (fields, not interfaces). */
  distinct: ReadonlySet<string>;
  /** Most wrappers (list, non-null) around one type: a longer `ofType` chain reaches null. */
  maxWrapping: number;
}

const computed = new WeakMap<GraphQLSchema, IntrospectionSizes>();

/** The sizes of a schema's introspection lists, computed once per schema. */
export function introspectionSizes(schema: GraphQLSchema): IntrospectionSizes {
  let sizes = computed.get(schema);
  if (!sizes) {
    sizes = measure(schema);
    computed.set(schema, sizes);
  }
  return sizes;
}

function measure(schema: GraphQLSchema): IntrospectionSizes {
  const max = new Map<string, number>();
  const total = new Map<string, number>();
  const count = (key: string, items: number) => {
    max.set(key, Math.max(max.get(key) ?? 0, items));
    total.set(key, (total.get(key) ?? 0) + items);
  };
  let maxWrapping = 0;
  const wrapped = (type: GraphQLType) => {
    let wrappers = 0;
    for (let t = type; isWrappingType(t); t = t.ofType) wrappers += 1;
    maxWrapping = Math.max(maxWrapping, wrappers);
  };

  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  count('__Schema.types', types.length);
  count('__Schema.directives', directives.length);
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = Object.values(type.getFields());
      count('__Type.fields', fields.length);
      count('__Type.interfaces', type.getInterfaces().length);
      for (const field of fields) {
        wrapped(field.type);
        count('__Field.args', field.args.length);
        for (const arg of field.args) wrapped(arg.type);
      }
    }
    if (isAbstractType(type)) count('__Type.possibleTypes', schema.getPossibleTypes(type).length);
    if (isEnumType(type)) count('__Type.enumValues', type.getValues().length);
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      count('__Type.inputFields', fields.length);
      for (const field of fields) wrapped(field.type);
    }
  }
  for (const directive of directives) {
    count('__Directive.args', directive.args.length);
    for (const arg of directive.args) wrapped(arg.type);
  }
  return {
    max,
    total,
    distinct: new Set([
      '__Schema.types',
      '__Schema.directives',
      '__Type.fields',
      '__Type.enumValues',
      '__Type.inputFields',
      '__Field.args',
      '__Directive.args',
    ]),
    maxWrapping,
  };
}
