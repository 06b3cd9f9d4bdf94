import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

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

export type { Logger };
