import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client sees carries `extensions.code`, so clients switch on codes, not messages.
 * Most already have one (ours, yoga's parse and validation errors); the ones graphql-js and
 * yoga's plugins leave bare get theirs here:
 * - variable values that do not fit their types, or are missing: `BAD_USER_INPUT`;
 * - the CSRF refusal and anything else refused with a 4xx before execution: `BAD_REQUEST`;
 * - anything left: `INTERNAL_SERVER_ERROR`.
 * With introspection off, validation errors stop suggesting field names ("Did you mean …"), which
 * would hand the schema out one guess at a time.
 */
export function useErrorCodes(options: { hideSuggestions: boolean }): Plugin {
  return {
    onResultProcess({ result }) {
      // Streams (subscriptions) carry their codes from execution already.
      if (Symbol.asyncIterator in (result as object)) return;
      const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
      for (const one of results) {
        for (const error of one.errors ?? []) labelError(error, options.hideSuggestions);
      }
    },
  };
}

/** Gives an error without a code its code (and, if asked, drops the suggestions of its text). */
export function labelError(error: GraphQLError, hideSuggestions: boolean): void {
  const extensions = error.extensions as Record<string, unknown>;
  if (hideSuggestions && / Did you mean .+\?$/.test(error.message)) {
    // A validation error's text is the only place the suggestions are.
    (error as { message: string }).message = error.message.replace(/ Did you mean .+\?$/, '');
  }
  if (typeof extensions.code === 'string') return;
  const status = (extensions.http as { status?: number } | undefined)?.status;
  extensions.code = /^Variable "\$[^"]+" /.test(error.message)
    ? 'BAD_USER_INPUT'
    : status !== undefined && status >= 400 && status < 500
      ? 'BAD_REQUEST'
      : 'INTERNAL_SERVER_ERROR';
}
