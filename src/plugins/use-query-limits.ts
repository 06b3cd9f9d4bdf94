import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { findLimitViolation, type QueryLimits } from '../limits/analyze.js';
import { createCostMeter } from '../limits/cost-meter.js';

interface OperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null | undefined;
  variableValues?: unknown;
}

/**
 * Refuses over-limit operations before any resolver (and so any upstream request) runs: queries
 * and mutations when they execute, subscriptions before they subscribe, with the same checks and
 * the same error. Each event of a subscription then gets a budget of its own for the objects its
 * lists return.
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  const refusal = (args: OperationArgs): ExecutionResult | undefined => {
    const violation = findLimitViolation(
      args.schema,
      args.document,
      args.operationName,
      args.variableValues as Record<string, unknown> | undefined,
      limits,
    );
    if (!violation) return undefined;
    return {
      errors: [
        createGraphQLError(violation.message, {
          extensions: { code: 'LIMIT_EXCEEDED', limit: violation.limit },
        }),
      ],
    };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const result = refusal(args);
      if (result) setResultAndStopExecution(result);
    },
    onSubscribe({ args, context, setResultAndStopExecution }) {
      const result = refusal(args);
      if (result) {
        setResultAndStopExecution(result);
        return undefined;
      }
      return {
        onSubscribeResult: () => ({
          // Events are executed one after another with the subscription's context: once one is
          // sent, the next starts with a full budget.
          onNext: () => {
            (context as { cost?: unknown }).cost = createCostMeter(limits.maxCost);
          },
        }),
      };
    },
  };
}
