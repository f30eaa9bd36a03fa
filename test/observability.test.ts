import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';
import { captureLogs } from './support/logs.ts';

describe('health, metrics and logs', () => {
  let t: TestApp;
  const { log, lines } = captureLogs();

  before(async () => {
    t = await startTestApp({}, { log });
  });
  after(async () => t?.close());

  it('reports health Spring-Actuator style, with liveness and readiness', async () => {
    const health = await t.request('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'UP');
    assert.deepEqual(Object.keys(health.body.components).sort(), ['db', 'diskSpace', 'jobs']);
    assert.equal(typeof health.body.components.db.details.primary.responseTimeMs, 'number');
    assert.ok(health.body.components.diskSpace.details.free > 0);
    assert.equal((await t.request('GET', '/health/liveness')).body.status, 'UP');
    assert.equal((await t.request('GET', '/health/readiness')).status, 200);
  });

  it('serves its OpenAPI document and an explorer', async () => {
    const spec = await t.request('GET', '/openapi.json');
    assert.equal(spec.status, 200);
    assert.match(spec.body.openapi, /^3\./);
    for (const path of ['/api/v1/auth/login', '/api/v1/sources', '/api/v1/extractions', '/api/v1/extractions/{id}/start', '/health']) {
      assert.ok(spec.body.paths[path], `${path} is documented`);
    }
    const docs = await fetch(`${t.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  it('exports request histograms by route template, never by raw URL', async () => {
    const token = await t.login();
    await t.request('GET', '/api/v1/extractions/7d3f5f0e-4f43-4a43-9a4e-2d2e3c1a0b9c', { token });
    await t.request('GET', '/api/v1/nope');
    const metrics = (await fetch(`${t.url}/metrics`).then((r) => r.text())).split('\n');
    const find = (pattern: RegExp) => metrics.find((l) => pattern.test(l));
    assert.ok(
      find(/^http_server_requests_seconds_count\{method="GET",route="\/api\/v1\/extractions\/:id",status="404",outcome="CLIENT_ERROR"\} 1$/),
      'route template label',
    );
    assert.ok(find(/^http_server_requests_seconds_bucket\{le="0\.5",.*route="\/api\/v1\/auth\/login"/), 'histogram buckets');
    assert.ok(!metrics.some((l) => l.includes('7d3f5f0e')), 'no ids in labels');
    assert.ok(find(/^# TYPE extraction_duration_seconds histogram/));
    assert.ok(find(/^# TYPE extraction_records_total counter/));
    assert.ok(find(/^nodejs_eventloop_lag_seconds /), 'runtime metrics');
  });

  it('writes JSON lines with the plan fields and no personal data or secrets', async () => {
    const email = 'grace.hopper@example.com';
    const ssn = '078-05-1120';
    const password = 'my very secret password 1906';
    await t.request('POST', '/api/v1/auth/login', { body: { username: email, password } });
    const token = await t.login();
    await t.request('POST', '/api/v1/sources', {
      token,
      body: { name: `crm of ${email} ssn ${ssn}`, kind: 'postgres', dsn: `postgres://u:${password.replaceAll(' ', '')}@127.0.0.1:1/x` },
    });
    await t.request('GET', `/api/v1/extractions?status=${encodeURIComponent(ssn)}`, { token });
    const text = lines.join('\n');
    assert.ok(lines.length > 0);
    for (const secret of [email, ssn, password, password.replaceAll(' ', ''), token]) {
      assert.ok(!text.includes(secret), `${secret} appears in the logs`);
    }
    const completed = lines.find((l) => l.includes('"message":"request completed"'));
    assert.ok(completed);
    // JSON.parse keeps the last of two equal keys: count them in the text.
    for (const field of new Set(completed.match(/"[\w@]+":/g))) assert.equal(completed.split(field).length - 1, 1, `${field} written once`);
    const request = JSON.parse(completed) as Record<string, unknown>;
    for (const field of ['@timestamp', 'level', 'logger', 'message', 'route', 'status', 'duration_ms', 'request_id']) {
      assert.ok(field in request, `field ${field}`);
    }
    assert.equal(request.level, 'INFO');
    assert.equal(request.logger, 'jivs.http');
  });
});

describe('database pool metrics and leak detection', () => {
  let t: TestApp;
  const { log, lines } = captureLogs();

  before(async () => {
    t = await startTestApp({ 'database.pools.write.leakDetectionMs': 200 }, { log });
  });
  after(async () => t?.close());

  it('exports connections per role and state, and reports a connection held too long with its stack', async () => {
    const client = await t.app.ctx.db.write.connect();
    await new Promise((r) => setTimeout(r, 700));
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    client.release();
    assert.match(metrics, /^db_pool_connections\{role="write",state="active"\} [1-9]/m);
    assert.match(metrics, /^db_pool_connections\{role="analytics",state="max"\} 5$/m);
    assert.match(metrics, /^db_pool_leaks_total\{role="write"\} 1$/m);
    const leak = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.message).includes('possible leak'));
    assert.ok(leak, 'the leak is logged');
    assert.match(String(leak.stack), /observability\.test\.ts/, 'with the stack that took the connection');
  });
});
