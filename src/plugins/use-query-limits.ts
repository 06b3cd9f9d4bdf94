import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { limitExceeded } from '../error-codes.js';
import { findLimitViolation, type QueryLimits } from '../limits/analyze.js';

interface OperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null | undefined;
  variableValues?: unknown;
}

/**
 * Refuses over-limit operations before any resolver (and so any upstream request) runs: queries
 * and mutations when they execute, subscriptions before they subscribe, with the same checks and
 * the same error. (Each event of a subscription has a context of its own, with a fresh budget
 * for the objects its lists return: see use-subscription-events.ts.)
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
    return { errors: [limitExceeded(violation.limit, violation.message)] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const result = refusal(args);
      if (result) setResultAndStopExecution(result);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const result = refusal(args);
      if (result) setResultAndStopExecution(result);
    },
  };
}
