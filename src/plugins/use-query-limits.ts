import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { findLimitViolation, type QueryLimits } from '../limits/analyze.js';

/** Refuses over-limit operations before any resolver (and so any upstream request) runs. */
export function useQueryLimits(limits: QueryLimits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const violation = findLimitViolation(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | undefined,
        limits,
      );
      if (violation) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(violation.message, {
              extensions: { code: 'LIMIT_EXCEEDED', limit: violation.limit },
            }),
          ],
        });
      }
    },
  };
}
