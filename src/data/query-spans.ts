import type { Tracer } from '@opentelemetry/api';
import type pg from 'pg';
import { dependencySpan, endWhenSettled } from '../observability/spans.ts';

/** The statement's first keyword (SELECT, INSERT, WITH, BEGIN, ...), past comments and parentheses. */
export function sqlOperation(text: string): string | undefined {
  const start = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/.exec(text)?.[0].length ?? 0;
  return /^[A-Za-z]+/.exec(text.slice(start))?.[0].toUpperCase();
}

function statementText(query: unknown): string | undefined {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : undefined;
}

/**
 * Runs one statement in a CLIENT span named after its operation, with `db.system`,
 * `db.operation`, `db.statement` and `jivs.db.role`. The statement is recorded as written, never
 * its values: every statement takes them as parameters ($1, ...), which the span leaves out.
 */
export function tracedQuery<T>(tracer: Tracer, role: string, query: unknown, run: () => Promise<T>): Promise<T> {
  const span = dependencySpan(tracer, () => {
    const text = statementText(query) ?? '';
    const operation = sqlOperation(text) ?? 'QUERY';
    return {
      name: operation,
      attributes: { 'db.system': 'postgresql', 'db.operation': operation, 'db.statement': text, 'jivs.db.role': role },
    };
  });
  return endWhenSettled(span, run());
}

/**
 * `client` with each statement in a span (see `tracedQuery`). Streams (COPY through
 * pg-copy-streams) and callback calls pass through untraced: their callers trace the step.
 */
export function tracedClient(client: pg.PoolClient, tracer: Tracer, role: string): pg.PoolClient {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== 'query') return bound;
      return (...args: unknown[]) => {
        const streamed = typeof (args[0] as { submit?: unknown } | null)?.submit === 'function';
        if (streamed || typeof args.at(-1) === 'function') return bound(...args);
        return tracedQuery(tracer, role, args[0], () => bound(...args) as Promise<unknown>);
      };
    },
  });
}
