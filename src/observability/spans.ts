import { SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { maskText } from './masking.ts';

/** Marks `span` failed with the error's type and its message, masked like a log line. */
export function markFailed(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.setAttribute('error.type', e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: maskText(e.message) });
}

/** Runs `fn` in the active span `name`, which ends when `fn` settles (failed if it throws). */
export function inSpan<T>(tracer: Tracer, name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  // The async wrapper turns a synchronous throw of `fn` into a rejection, so that span ends too.
  return tracer.startActiveSpan(name, { attributes }, (span) => endWhenSettled(span, (async () => fn(span))()));
}

/**
 * A CLIENT span for one call to a dependency (a statement, a Redis command), child of the active
 * span — or none when no sampled span is active: background polls (replica checks, job fetches,
 * scrapes) would otherwise each start a trace of their own, and an unsampled trace records nothing.
 * `describe` runs only when there is a span to make.
 */
export function dependencySpan(tracer: Tracer, describe: () => { name: string; attributes: Attributes }): Span | undefined {
  if (!trace.getActiveSpan()?.isRecording()) return undefined;
  const { name, attributes } = describe();
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
}

/** Ends `span` when `work` settles, failed if it rejects; resolves like `work`. */
export async function endWhenSettled<T>(span: Span | undefined, work: Promise<T>): Promise<T> {
  if (!span) return work;
  try {
    return await work;
  } catch (e) {
    markFailed(span, e);
    throw e;
  } finally {
    span.end();
  }
}
