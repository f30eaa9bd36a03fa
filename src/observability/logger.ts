import { context, trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { maskText, maskValue } from './masking.ts';

export type { Logger };

/**
 * JSON lines with the plan's field names (`@timestamp`, `level`, `logger`, `message`, plus
 * domain fields, and `trace_id`/`span_id` of the span active when the line is written).
 * Masking happens here, for every call site.
 */
export function createLogger(level: LoggerOptions['level'] = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    mixin: traceIds,
    messageKey: 'message',
    errorKey: 'error',
    base: null,
    timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label.toUpperCase() }),
      log: (record) => maskValue(record) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method, level) {
        const self = this as unknown as Record<symbol, unknown>;
        (self[LINE_COUNTER] as LineCounter | undefined)?.(this.levels.labels[level]?.toUpperCase() ?? String(level), (self[LOGGER_NAME] as string | undefined) ?? 'jivs');
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The active span's ids, sampled or not, so a line can be found from its trace and back. */
function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(context.active());
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** Called for every line a logger (or any of its children) writes: the `log_messages_total` metric. */
export type LineCounter = (level: string, logger: string) => void;

// Properties on the logger object: pino makes children with Object.create(parent), so every
// child, grandchild and Fastify request logger sees them through its prototype chain.
const LINE_COUNTER = Symbol('jivs.lineCounter');
const LOGGER_NAME = Symbol('jivs.loggerName');

/** Counts every line `logger` and its children write from now on. */
export function countLines(logger: Logger, counter: LineCounter): void {
  (logger as unknown as Record<symbol, unknown>)[LINE_COUNTER] = counter;
}

/** A child logger with the plan's `logger` field, e.g. `jivs.extraction`. */
export const named = (parent: Logger, name: string): Logger => {
  const child = parent.child({ logger: `jivs.${name}` });
  (child as unknown as Record<symbol, unknown>)[LOGGER_NAME] = `jivs.${name}`;
  return child;
};
