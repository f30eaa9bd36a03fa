import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { inSpan } from './spans.ts';

describe('inSpan', () => {
  it('runs in the active span and ends it when the work settles, failed when it throws or rejects', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');

    const active = await inSpan(tracer, 'ok', { n: 1 }, async (span) => {
      await Promise.resolve();
      return trace.getActiveSpan() === span;
    });
    assert.equal(active, true, 'fn runs with its span active');
    await assert.rejects(
      inSpan(tracer, 'rejects', {}, () => Promise.reject(new Error('no route to eve@example.com'))),
      /no route/,
    );
    await assert.rejects(
      inSpan(tracer, 'throws', {}, () => {
        throw new TypeError('thrown before any promise');
      }),
      TypeError,
    );

    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.status.code, s.attributes['error.type'], s.status.message]),
      [
        ['ok', SpanStatusCode.UNSET, undefined, undefined],
        ['rejects', SpanStatusCode.ERROR, 'Error', 'no route to [EMAIL_REDACTED]'],
        ['throws', SpanStatusCode.ERROR, 'TypeError', 'thrown before any promise'],
      ],
    );
  });
});
