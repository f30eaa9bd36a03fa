import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';
import { adminDsn } from './support/databases.ts';
import { captureLogs } from './support/logs.ts';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver.ts';

describe('log lines: personal data and secrets masked, trace ids of the exported spans', () => {
  let receiver: OtlpReceiver;
  let t: TestApp;
  const { log, lines } = captureLogs();

  before(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestApp({ 'tracing.sampleRatio': 1, 'tracing.otlpEndpoint': receiver.endpoint }, { log });
  });
  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('masks an e-mail, an SSN and a password that requests carry, and ties each line to its span', async () => {
    const email = 'grace.hopper@example.com';
    const ssn = '078-05-1120';
    const password = 'my-very-secret-password-1906';
    const startLines = lines.length;

    // A failed sign-in with the e-mail as user name and the password.
    const refused = await t.request('POST', '/api/v1/auth/login', { body: { username: email, password } });
    assert.equal(refused.status, 401);
    const token = await t.login();
    // A source whose DSN holds all three (user, password, database), named after two of them;
    // testing it fails with a server message that names the user, and that message is logged.
    const server = new URL(adminDsn());
    const dsn = `postgres://${encodeURIComponent(email)}:${password}@${server.hostname}:${server.port}/${ssn}`;
    const created = await t.request('POST', '/api/v1/sources', { token, body: { name: `crm of ${email} ssn ${ssn}`, kind: 'postgres', dsn } });
    assert.equal(created.status, 201);
    const tested = await t.request('POST', `/api/v1/sources/${(created.body as { id: string }).id}/test`, { token });
    assert.equal(tested.body.ok, false);
    assert.ok(String(tested.body.error).includes(email), `the failure names the user: ${tested.body.error}`);
    await receiver.exported('the last server span', () => t.app.ctx.tracing.forceFlush(), (s) => s.name === 'POST /api/v1/sources/:id/test');

    const text = lines.join('\n');
    for (const secret of [email, encodeURIComponent(email), ssn, password, token]) {
      assert.ok(!text.includes(secret), `${secret} appears in the logs`);
      assert.ok(!JSON.stringify(receiver.spans).includes(secret), `${secret} appears in the spans`);
    }
    const records = lines.slice(startLines).map((l) => JSON.parse(l) as Record<string, unknown>);
    const testedLine = records.find((r) => r.message === 'data source tested');
    assert.ok(testedLine, 'the test outcome is logged');
    assert.match(String(testedLine.reason), /\[EMAIL_REDACTED\]/, 'with the e-mail masked, not dropped');

    // Every line these requests wrote carries the ids of that request's exported server span.
    const servers = new Map(receiver.spans.filter((s) => s.kind === SPAN_KIND.server).map((s) => [s.spanId, s]));
    const requestLines = records.filter((r) => ['jivs.http', 'jivs.auth', 'jivs.sources'].includes(String(r.logger)));
    assert.equal(requestLines.filter((r) => r.message === 'request completed').length, 4);
    assert.equal(requestLines.length, 8, 'a line per request and one per outcome');
    for (const r of requestLines) {
      const span = servers.get(String(r.span_id));
      assert.ok(span, `"${String(r.message)}" carries span_id ${String(r.span_id)} of an exported server span`);
      assert.equal(r.trace_id, span.traceId);
    }
    const spanOf = (message: string) => servers.get(String(records.find((r) => r.message === message)?.span_id));
    assert.equal(spanOf('sign-in refused')?.name, 'POST /api/v1/auth/login');
    assert.equal(spanOf('sign-in refused')?.attributes['http.response.status_code'], 401);
    assert.equal(spanOf('data source created')?.name, 'POST /api/v1/sources');
    assert.equal(spanOf('data source tested')?.name, 'POST /api/v1/sources/:id/test');
  });
});
