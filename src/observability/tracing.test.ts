import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTextMapGetter, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { isConfigError, loadConfig } from '../config/load.ts';
import { captureLogs } from '../../test/support/logs.ts';
import { dependencySpan } from './spans.ts';
import { startTracing } from './tracing.ts';

/** An endpoint that never receives anything: no sampled span is ended while it is set. */
const UNUSED_ENDPOINT = 'http://127.0.0.1:9/v1/traces';

describe('tracing', () => {
  it('samples 10% by default, exports nowhere until an endpoint is set, and names bad settings', () => {
    assert.deepEqual(loadConfig({}).tracing, { sampleRatio: 0.1, serviceName: 'jivs-platform' });
    const set = loadConfig({ JIVS_TRACING_SAMPLE_RATIO: '1', JIVS_TRACING_OTLP_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).tracing;
    assert.deepEqual(set, { sampleRatio: 1, otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'jivs-platform' });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ JIVS_TRACING_SAMPLE_RATIO: '1.5' }, /JIVS_TRACING_SAMPLE_RATIO \(tracing\.sampleRatio\): must be between 0 and 1/],
      [{ JIVS_TRACING_SAMPLE_RATIO: '-0.1' }, /JIVS_TRACING_SAMPLE_RATIO \(tracing\.sampleRatio\): must be between 0 and 1/],
      [{ JIVS_TRACING_SAMPLE_RATIO: 'ten percent' }, /JIVS_TRACING_SAMPLE_RATIO \(tracing\.sampleRatio\)/],
      [{ JIVS_TRACING_OTLP_ENDPOINT: 'collector:4318' }, /JIVS_TRACING_OTLP_ENDPOINT \(tracing\.otlpEndpoint\): must be an http/],
      [{ JIVS_TRACING_OTLP_ENDPOINT: 'grpc://collector:4317' }, /JIVS_TRACING_OTLP_ENDPOINT \(tracing\.otlpEndpoint\): must be an http/],
      [{ JIVS_TRACING_SERVICE_NAME: '' }, /JIVS_TRACING_SERVICE_NAME \(tracing\.serviceName\)/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig(env), (e: unknown) => isConfigError(e) && message.test(e.message), JSON.stringify(env));
    }
  });

  it('gives every span ids, sampled or not, and log lines written in a span carry them', async () => {
    const { log, lines } = captureLogs();
    const tracing = startTracing({ sampleRatio: 0, serviceName: 'jivs-platform', otlpEndpoint: UNUSED_ENDPOINT }, { name: 'a', zone: 'z' }, log);
    const ids = await tracing.tracer.startActiveSpan('work', async (span) => {
      await Promise.resolve();
      log.info('inside');
      span.end();
      return span.spanContext();
    });
    log.info('outside');
    await tracing.shutdown();

    assert.equal(ids.traceFlags & TraceFlags.SAMPLED, 0, 'ratio 0: not sampled');
    assert.match(ids.traceId, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [l.message, l.trace_id, l.span_id]),
      [
        ['inside', ids.traceId, ids.spanId],
        ['outside', undefined, undefined],
      ],
    );
  });

  it('records nothing without an endpoint, even at ratio 1 or under a sampled caller, but still gives ids', async () => {
    const { log, lines } = captureLogs();
    const sampled = startTracing({ sampleRatio: 1, serviceName: 'jivs-platform', otlpEndpoint: UNUSED_ENDPOINT }, { name: 'a', zone: 'z' }, log);
    const root = sampled.tracer.startSpan('with an endpoint');
    assert.ok(root.isRecording(), 'with an endpoint, ratio 1 records');

    const tracing = startTracing({ sampleRatio: 1, serviceName: 'jivs-platform' }, { name: 'a', zone: 'z' }, log);
    const caller = tracing.propagator.extract(
      ROOT_CONTEXT,
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      defaultTextMapGetter,
    );
    for (const parent of [ROOT_CONTEXT, caller]) {
      let described = 0;
      const ids = tracing.tracer.startActiveSpan('request', {}, parent, (span) => {
        assert.equal(span.isRecording(), false);
        const statement = dependencySpan(tracing.tracer, () => {
          described++;
          return { name: 'SELECT', attributes: {} };
        });
        assert.equal(statement, undefined, 'no span per statement');
        log.info('inside');
        span.end();
        return span.spanContext();
      });
      assert.equal(described, 0, 'the statement is not even described');
      assert.equal(ids.traceFlags & TraceFlags.SAMPLED, 0);
      assert.match(ids.traceId, /^[0-9a-f]{32}$/);
      assert.match(ids.spanId, /^[0-9a-f]{16}$/);
      if (parent === caller) assert.equal(ids.traceId, '0af7651916cd43dd8448eb211c80319c', "the caller's trace");
      const line = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      assert.deepEqual([line.trace_id, line.span_id], [ids.traceId, ids.spanId]);
    }
    await tracing.shutdown();
  });
});
