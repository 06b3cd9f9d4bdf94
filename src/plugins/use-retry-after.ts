import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * When an error says how long to wait (`extensions.retryAfter`, in seconds: a failed-login budget
 * spent, Foreman's own lockout, a refused credential), the HTTP response says it too, so clients
 * and proxies that honour `Retry-After` back off without reading the body.
 */
export function useRetryAfter(): Plugin {
  const waits = new WeakMap<Request, number>();
  return {
    onExecutionResult({ request, result }) {
      const errors = (result && 'errors' in result ? result.errors : undefined) as
        | readonly GraphQLError[]
        | undefined;
      let longest = 0;
      for (const error of errors ?? []) {
        const seconds = error.extensions?.retryAfter;
        if (typeof seconds === 'number' && seconds > longest) longest = seconds;
      }
      if (longest > 0) waits.set(request, longest);
    },
    onResponse({ request, response }) {
      const seconds = waits.get(request);
      if (seconds !== undefined) response.headers.set('retry-after', String(seconds));
    },
  };
}
