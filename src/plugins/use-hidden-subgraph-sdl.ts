import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Federation's `_service { sdl }` hands out the whole schema, like introspection. With
 * introspection off it is refused too, unless explicitly enabled for a router that composes the
 * subgraph (`SUBGRAPH_SDL=true`). `_entities` stays: it reveals nothing of the schema.
 */
export function useHiddenSubgraphSdl(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noServiceField);
    },
  };
}

const noServiceField: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
      context.reportError(
        new GraphQLError(
          'The subgraph SDL (`_service`) is not served: introspection is off here (SUBGRAPH_SDL=true serves it to a router)',
          { nodes: node },
        ),
      );
    }
  },
});
