import { GraphQLError, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface DocumentLimits {
  /** Largest document text, in UTF-8 bytes; larger ones are refused before parsing. */
  maxDocumentBytes: number;
  /** The parser stops at this many tokens. */
  maxDocumentTokens: number;
}

/**
 * Bounds what an anonymous caller can make the gateway parse: the document's size is checked
 * before parsing, the parser stops at a token limit, and a document nested deeper than the
 * parser's stack can take is a client error, not a crash. Each refusal is HTTP 400 with a code.
 */
export function useDocumentLimits(limits: DocumentLimits): Plugin {
  return {
    onParams({ params }) {
      const query = params.query;
      // Characters first: no byte count is needed unless the text could be over the limit.
      if (
        typeof query === 'string' &&
        query.length * 3 > limits.maxDocumentBytes &&
        Buffer.byteLength(query) > limits.maxDocumentBytes
      ) {
        throw limitError(
          `The query document is larger than ${limits.maxDocumentBytes} bytes`,
          'documentSize',
        );
      }
    },
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxDocumentTokens });
        } catch (error) {
          if (error instanceof RangeError) {
            throw limitError('The query document is nested too deeply to parse', 'depth');
          }
          if (error instanceof GraphQLError && /\d+ tokens\. Parsing aborted/.test(error.message)) {
            throw limitError(
              `The query document has more than ${limits.maxDocumentTokens} tokens`,
              'tokens',
            );
          }
          throw error;
        }
      });
    },
  };
}

function limitError(message: string, limit: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'LIMIT_EXCEEDED', limit, http: { status: 400 } },
  });
}
