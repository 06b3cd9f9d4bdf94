import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorCodeOf } from '../schema/errors.js';

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
  extensions.code = clientCodeOf(error);
}

/**
 * The code a client receives for an error, whether or not it is labelled yet: its own, else the
 * one `labelError` gives it, else (seen before masking) the one its cause will get. Logs and
 * metrics count by it, so they say what the client was told.
 */
export function clientCodeOf(error: GraphQLError): string {
  const extensions = (error.extensions ?? {}) as Record<string, unknown>;
  if (typeof extensions.code === 'string') return extensions.code;
  if (/^Variable "\$[^"]+" /.test(error.message)) return 'BAD_USER_INPUT';
  const status = (extensions.http as { status?: number } | undefined)?.status;
  if (status !== undefined && status >= 400 && status < 500) return 'BAD_REQUEST';
  return errorCodeOf(error);
}
