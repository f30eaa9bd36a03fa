import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';
import { captureLogs } from './support/logs.ts';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { createTypedSource } from './support/source-fixtures.ts';
import { waitFor } from './support/wait.ts';

const SOURCE_ROWS = 25;

/** The one span that `match` finds, failing with what was received otherwise. */
function one(spans: ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  assert.equal(found.length, 1, `${what}: expected one span, got ${found.length} among ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

const newTraceparent = (flags: '00' | '01') => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-${flags}` };
};

describe('traces exported over OTLP, sampling every trace', () => {
  let receiver: OtlpReceiver;
  let t: TestApp;
  let token: string;
  let source: Awaited<ReturnType<typeof createTypedSource>>;
  let sourceId: string;
  const { log, lines } = captureLogs();
  const flush = () => t.app.ctx.tracing.forceFlush();

  before(async () => {
    source = await createTypedSource(SOURCE_ROWS);
    receiver = await startOtlpReceiver();
    t = await startTestApp({ 'tracing.sampleRatio': 1, 'tracing.otlpEndpoint': receiver.endpoint, 'tracing.serviceName': 'jivs-traces-test' }, { log });
    token = await t.login();
    sourceId = await createSource(t, token, { name: 'typed', kind: 'postgres', dsn: source.dsn });
  });
  after(async () => {
    await t?.close();
    await receiver?.close();
    await source?.close();
  });

  it('makes an API call a server span with a client span per statement, in one trace', async () => {
    const res = await t.request('GET', `/api/v1/sources/${sourceId}`, { token });
    assert.equal(res.status, 200);
    await receiver.exported('the server span', flush, (s) => s.name === 'GET /api/v1/sources/:id');
    const server = one(receiver.spans, 'server span', (s) => s.name === 'GET /api/v1/sources/:id');
    assert.equal(server.kind, SPAN_KIND.server);
    assert.equal(server.parentSpanId, undefined, 'a request without traceparent starts a trace');
    assert.equal(server.service, 'jivs-traces-test');
    assert.equal(server.attributes['http.request.method'], 'GET');
    assert.equal(server.attributes['http.route'], '/api/v1/sources/:id');
    assert.equal(server.attributes['http.response.status_code'], 200);

    const statements = receiver.spans.filter((s) => s.parentSpanId === server.spanId);
    assert.ok(statements.length > 0, 'statements under the request');
    for (const s of statements) {
      assert.equal(s.traceId, server.traceId);
      assert.equal(s.kind, SPAN_KIND.client);
      assert.equal(s.attributes['db.system'], 'postgresql');
      assert.ok(['write', 'read', 'analytics'].includes(s.attributes['jivs.db.role'] as string), `role of ${s.name}`);
      assert.equal(s.name, s.attributes['db.operation']);
      assert.ok(!String(s.attributes['db.statement']).includes(sourceId), 'parameter values are not recorded');
    }
    const lookup = statements.find((s) => /\bdata_sources\b/.test(String(s.attributes['db.statement'])));
    assert.ok(lookup, `the source lookup is among ${statements.map((s) => s.attributes['db.statement']).join(' | ')}`);
    assert.equal(lookup.attributes['db.operation'], 'SELECT');
  });

  it('makes an extraction one trace: the POST, the queued job, and the job steps', async () => {
    const id = await startExtraction(t, token, { name: 'traced', sourceId, table: 'customer_records' });
    const done = await waitForExtraction(t, token, id);
    assert.equal(done.status, 'completed');
    const job = await receiver.exported('the job span', flush, (s) => s.kind === SPAN_KIND.consumer && s.attributes['jivs.extraction.id'] === id);

    const post = one(receiver.spans, 'POST span', (s) => s.name === 'POST /api/v1/extractions');
    assert.equal(post.attributes['http.response.status_code'], 201);
    const trace = receiver.trace(post.traceId);
    assert.equal(job.traceId, post.traceId, 'the job continues the trace of the request that queued it');
    const send = one(trace, 'send span', (s) => s.kind === SPAN_KIND.producer);
    assert.equal(send.name, 'send extraction');
    assert.equal(send.parentSpanId, post.spanId);
    assert.equal(job.name, 'process extraction');
    assert.equal(job.parentSpanId, send.spanId);
    assert.equal(job.attributes['jivs.source.kind'], 'postgres');
    assert.equal(job.attributes['jivs.verification.match'], true);

    const step = (name: string) => {
      const span = one(trace, name, (s) => s.name === name);
      assert.equal(span.parentSpanId, job.spanId, `${name} is a child of the job span`);
      return span;
    };
    const connect = step('extraction.connect');
    assert.equal(connect.attributes['db.system'], 'postgresql');
    assert.equal(connect.attributes['db.name'], source.name);
    const query = step('extraction.query');
    assert.equal(query.attributes['db.rows'], SOURCE_ROWS);
    assert.match(String(query.attributes['db.statement']), /^COPY \(SELECT \* FROM "customer_records" +ORDER BY "id"\) TO STDOUT$/);
    const bulk = step('extraction.bulk_insert');
    assert.equal(bulk.attributes['db.operation'], 'COPY');
    assert.equal(bulk.attributes['db.rows'], SOURCE_ROWS);
    assert.equal(bulk.attributes['db.sql.table'], done.archiveTable);
    const verify = step('extraction.verify');

    // The statements of each step hang under it: the claim under the job, the checkpoint under
    // the bulk insert, the archive fingerprint under the verification.
    const statementsUnder = (span: ReceivedSpan) =>
      trace.filter((s) => s.parentSpanId === span.spanId && s.kind === SPAN_KIND.client).map((s) => String(s.attributes['db.statement']));
    assert.ok(statementsUnder(job).some((s) => /UPDATE extraction_jobs\s+SET status = 'running'/.test(s)), 'the claim');
    assert.ok(statementsUnder(bulk).some((s) => /SET records_extracted = \$3/.test(s)), 'the checkpoint');
    assert.ok(statementsUnder(verify).some((s) => /hash_record_extended/.test(s)), 'the archive fingerprint');
    for (const s of trace) assert.ok(s.status.code !== 2, `${s.name} did not fail`);

    // The job's log lines carry the job span's ids.
    const decision = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.extraction_id === id && String(l.message).startsWith('decision: completed'));
    assert.ok(decision, 'the decision is logged');
    assert.equal(decision.trace_id, post.traceId);
    assert.equal(decision.span_id, job.spanId);
  });

  it('follows an unsampled caller: no spans for its request nor for the job it queues', async () => {
    const parent = newTraceparent('00');
    const res = await t.request('POST', '/api/v1/extractions', {
      token,
      headers: { traceparent: parent.header },
      body: { name: 'unsampled', sourceId, table: 'customer_records', start: true },
    });
    assert.equal(res.status, 201);
    const id = (res.body as { id: string }).id;
    assert.equal((await waitForExtraction(t, token, id)).status, 'completed');
    // The job ran in the caller's trace (its log line says so), and nothing of it was exported.
    const decision = await waitFor('the decision line', async () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.extraction_id === id && String(l.message).startsWith('decision: completed')),
    );
    assert.equal(decision.trace_id, parent.traceId);
    await flush();
    assert.deepEqual(receiver.trace(parent.traceId), []);
    assert.ok(!receiver.spans.some((s) => s.attributes['jivs.extraction.id'] === id));
  });
});

describe('traces with sampleRatio 0', () => {
  let receiver: OtlpReceiver;
  let t: TestApp;
  let token: string;
  const flush = () => t.app.ctx.tracing.forceFlush();

  before(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestApp({ 'tracing.sampleRatio': 0, 'tracing.otlpEndpoint': receiver.endpoint });
    token = await t.login();
  });
  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('exports nothing for a request that starts its own trace', async () => {
    assert.equal((await t.request('GET', '/api/v1/sources', { token })).status, 200);
    await flush();
    assert.deepEqual(receiver.spans, []);
  });

  it('exports the spans of a request whose caller sampled it (parent-based)', async () => {
    const parent = newTraceparent('01');
    assert.equal((await t.request('GET', '/api/v1/sources', { token, headers: { traceparent: parent.header } })).status, 200);
    await receiver.exported('the server span', flush, (s) => s.traceId === parent.traceId && s.kind === SPAN_KIND.server);
    const trace = receiver.trace(parent.traceId);
    const server = one(trace, 'server span', (s) => s.kind === SPAN_KIND.server);
    assert.equal(server.name, 'GET /api/v1/sources');
    assert.equal(server.parentSpanId, parent.parentId, "the caller's span is the parent");
    assert.ok(trace.some((s) => s.parentSpanId === server.spanId && s.attributes['db.system'] === 'postgresql'), 'with its statements');
    assert.deepEqual(new Set(receiver.spans.map((s) => s.traceId)), new Set([parent.traceId]), 'and nothing else');
  });
});
