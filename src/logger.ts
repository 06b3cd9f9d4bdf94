import { GraphQLError } from 'graphql';
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';
import { CodedError } from './error-codes.js';
import { UpstreamError } from './foreman/errors.js';

/**
 * Structured JSON logs. Credentials never reach a log line: headers that carry them and any
 * `password` field are redacted wherever they appear. Without a destination, lines go to stdout
 * asynchronously: a request never waits for a write, and lines logged while one is under way go
 * out together (`flushLogs` before exiting).
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'foreman-images-graphql' },
      redact: {
        paths: [
          'authorization',
          'password',
          'cookie',
          '*.authorization',
          '*.password',
          '*.cookie',
          '*.headers.authorization',
          '*.headers.cookie',
          '*.*.password',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * A child for lines whose fields are known and hold no secret (the per-operation line):
 * redaction, which walks every field of every line, is half the cost of a log line.
 */
export function plainChild(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } } as pino.ChildLoggerOptions);
}

/** Writes out what an asynchronous destination still holds. */
export function flushLogs(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, { flushSync?: () => void }>)[
    pino.symbols.streamSym
  ];
  try {
    stream?.flushSync?.();
  } catch {
    // A closed stdout (EPIPE): nothing more can be written anyway.
  }
}

/**
 * Yoga logs every error it rewrites at error level. Foreman's answers that a caller caused (no
 * credentials, no permission, a bad search, a cancelled call) are not the gateway's faults:
 * they go to debug, and Foreman's own faults are logged at warn where they happen.
 */
export function yogaLogger(logger: Logger) {
  const expected = (value: unknown) => {
    const cause = value instanceof GraphQLError ? value.originalError : value;
    return cause instanceof UpstreamError || cause instanceof CodedError;
  };
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      typeof args[0] === 'string'
        ? logger[level](args.map(String).join(' '))
        : logger[level]({ err: args[0] }, args.slice(1).map(String).join(' ') || 'yoga');
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: (...args: unknown[]) => (args.every(expected) ? at('debug') : at('error'))(...args),
  };
}

export type { Logger };
