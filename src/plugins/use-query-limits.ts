import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { findLimitViolation, type QueryLimits } from '../limits/analyze.js';

/**
 * Refuses over-limit operations before any resolver (and so any upstream request) runs.
 * Subscriptions too: envelop sets them up through `onSubscribe`, never `onExecute`, and a refused
 * one is never counted against the subscription limits nor starts a tail of the audit log.
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  const refusal = (args: ExecutionArgs): ExecutionResult | undefined => {
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
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
