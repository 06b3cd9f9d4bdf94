import {
  type FieldNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  getArgumentValues,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';

/**
 * The fields a resolver's result is asked for, fragments included (those whose type condition is
 * the result's type), by response name. Lets a resolver skip work no field needs.
 */
export function selectedFields(info: GraphQLResolveInfo): FieldNode[] {
  const type = info.returnType;
  const typeName = 'name' in type ? type.name : undefined;
  const fields: FieldNode[] = [];
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition?.name.value;
        if (!on || on === typeName) visit(selection.selectionSet, seen);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) continue;
        if (fragment.typeCondition.name.value !== typeName) continue;
        visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  return fields;
}

/** The arguments of one selected field of the result, as its resolver will receive them. */
export function argumentsOf(info: GraphQLResolveInfo, field: FieldNode): Record<string, unknown> {
  const type = info.schema.getType('name' in info.returnType ? info.returnType.name : '');
  const definition = isObjectType(type)
    ? (type.getFields()[field.name.value] as GraphQLField<unknown, unknown> | undefined)
    : undefined;
  return definition ? getArgumentValues(definition, field, info.variableValues) : {};
}
