import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Redis } from 'ioredis';
import { traceCommands } from './redis-spans.ts';

describe('Redis command spans', () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
  // Never connected and no offline queue: every command goes through sendCommand and fails at once.
  const client = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  traceCommands(client, tracer);
  after(() => client.disconnect());

  it('makes each command inside a trace a client span named after the command, without keys or values', async () => {
    await tracer.startActiveSpan('request', async (request) => {
      await assert.rejects(client.get('jivs:token:secret-key'));
      await assert.rejects(client.multi().set('jivs:revoked:abc', 'secret-value', 'EX', 60).del('jivs:token:abc').exec());
      request.end();
    });
    await assert.rejects(client.ping());
    await new Promise((resolve) => setImmediate(resolve));

    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'request')!;
    const commands = spans.filter((s) => s !== request);
    assert.deepEqual(commands.map((s) => s.name), ['GET', 'MULTI', 'SET', 'DEL', 'EXEC'], 'PING ran outside any trace');
    for (const span of commands) {
      assert.equal(span.kind, SpanKind.CLIENT);
      assert.equal(span.parentSpanContext?.spanId, request.spanContext().spanId);
      const { 'error.type': errorType, ...attributes } = span.attributes;
      assert.deepEqual(attributes, { 'db.system': 'redis', 'db.operation': span.name });
      assert.equal(errorType, 'Error');
      assert.equal(span.status.code, SpanStatusCode.ERROR, 'the failure is on the span');
    }
    assert.ok(!JSON.stringify(commands.map((s) => [s.attributes, s.status])).includes('secret'));
  });
});
