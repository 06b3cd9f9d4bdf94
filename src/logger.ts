import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Structured JSON logs. Credentials never reach a log line: headers that carry them and any
 * `password` field are redacted wherever they appear.
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
    destination,
  );
}

export type { Logger };
