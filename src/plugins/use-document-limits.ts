import { type GraphQLError, Lexer, parse, Source, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type LimitName, limitExceeded } from '../error-codes.js';

export interface DocumentLimits {
  /** Largest document text, in UTF-8 bytes; larger ones are refused before parsing. */
  maxDocumentBytes: number;
  /** Most lexical tokens a document may have. */
  maxDocumentTokens: number;
}

/** Deeper brackets than any real query needs, and far fewer than the parser's stack can take. */
const MAX_NESTING = 256;

/**
 * Bounds what an anonymous caller can make the gateway parse. Before parsing, a document's size
 * is checked, then its tokens are counted and its nesting measured by the lexer alone (no tree is
 * built): a refusal is HTTP 400 with `LIMIT_EXCEEDED`, whatever the client accepts. Documents the
 * parse cache already holds passed these checks and skip them.
 */
export function useDocumentLimits(
  limits: DocumentLimits,
  isCached: (query: string) => boolean,
): Plugin {
  return {
    onParams({ params }) {
      const query = params.query;
      if (typeof query !== 'string' || isCached(query)) return;
      // Characters first: no byte count is needed unless the text could be over the limit.
      if (
        query.length * 3 > limits.maxDocumentBytes &&
        Buffer.byteLength(query) > limits.maxDocumentBytes
      ) {
        throw limitError(
          `The query document is larger than ${limits.maxDocumentBytes} bytes`,
          'documentSize',
        );
      }
      checkTokens(query, limits.maxDocumentTokens);
    },
    onParse({ setParseFn }) {
      // A backstop for documents that reach the parser some other way (persisted documents).
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxDocumentTokens });
        } catch (error) {
          if (error instanceof RangeError) {
            throw limitError('The query document is nested too deeply', 'depth');
          }
          throw error;
        }
      });
    },
  };
}

function checkTokens(query: string, maxTokens: number): void {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) {
        throw limitError(`The query document has more than ${maxTokens} tokens`, 'tokens');
      }
      if (OPENING.has(token.kind)) {
        if (++depth > MAX_NESTING) {
          throw limitError('The query document is nested too deeply', 'depth');
        }
      } else if (CLOSING.has(token.kind)) depth -= 1;
    }
  } catch (error) {
    // A syntax error is the parser's to report, with its location.
    if ((error as GraphQLError).extensions?.code === 'LIMIT_EXCEEDED') throw error;
  }
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

function limitError(message: string, limit: LimitName): GraphQLError {
  return limitExceeded(limit, message, { httpStatus: 400 });
}
