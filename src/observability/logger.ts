import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { maskText, maskValue } from './masking.ts';

export type { Logger };

/**
 * JSON lines with the plan's field names (`@timestamp`, `level`, `logger`, `message`, plus
 * domain fields). Masking happens here, for every call site.
 */
export function createLogger(level: LoggerOptions['level'] = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    messageKey: 'message',
    errorKey: 'error',
    base: null,
    timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label.toUpperCase() }),
      log: (record) => maskValue(record) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A child logger named like the plan's `logger` field, e.g. `jivs.extraction`. */
export const named = (parent: Logger, name: string): Logger => parent.child({ logger: `jivs.${name}` });
