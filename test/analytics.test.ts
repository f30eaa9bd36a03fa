import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { adminDsn } from './support/databases.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';
import { createTypedSource } from './support/source-fixtures.ts';
import { waitFor } from './support/wait.ts';

describe('analytics on the analytics role, behind the analytics bulkhead', () => {
  let t: TestApp;
  let token: string;
  let source: Awaited<ReturnType<typeof createTypedSource>>;
  const reader = `analytics_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client;

  before(async () => {
    source = await createTypedSource(120);
    // The analytics DSN logs in as a role of its own, so the database can tell who ran what.
    t = await startTestApp(
      async (dsn) => {
        admin = new pg.Client({ connectionString: dsn });
        admin.on('error', () => undefined); // the database is dropped under it at the end
        await admin.connect();
        await admin.query(`CREATE ROLE ${reader} LOGIN PASSWORD 'analytics'`);
        await admin.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${reader}`);
        const url = new URL(dsn);
        url.username = reader;
        url.password = 'analytics';
        return { 'database.analytics': url.toString(), 'jobs.pools.analytics': { core: 1, max: 1, queue: 1 } };
      },
    );
    token = await t.login();
  });
  after(async () => {
    await admin?.end();
    await t?.close();
    const server = new pg.Client({ connectionString: adminDsn() });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${reader}`);
    await server.end();
    await source?.close();
  });

  it('computes the extraction figures of the dashboard', async () => {
    const sourceId = await createSource(t, token, { name: 'typed', kind: 'postgres', dsn: source.dsn });
    const done = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'ok', sourceId, table: source.table }));
    assert.equal(done.status, 'completed');
    // A table that disappears between creation and start makes a job that fails.
    await source.client.query('CREATE TABLE doomed (id int PRIMARY KEY)');
    const failing = await t.request('POST', '/api/v1/extractions', { token, body: { name: 'will fail', sourceId, table: 'doomed' } });
    await source.client.query('DROP TABLE doomed');
    await t.request('POST', `/api/v1/extractions/${failing.body.id}/start`, { token });
    assert.equal((await waitForExtraction(t, token, failing.body.id)).status, 'failed');

    const res = await t.request('GET', '/api/v1/analytics/dashboard?days=7', { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      { ...res.body.extractions, averageSeconds: undefined },
      { created: 2, completed: 1, failed: 1, active: 0, successRate: 50, recordsExtracted: 120, averageSeconds: undefined },
    );
    for (const group of ['migrations', 'quality', 'compliance', 'audit']) assert.ok(res.body[group], group);
    assert.ok(res.body.audit.events > 0, 'sign-ins and changes are in the audit figures');
  });

  it('runs its queries as the analytics role, and a slow one blocks no write', async () => {
    // Hold a lock the analytics query must wait for, then catch it waiting in pg_stat_activity.
    const blocker = new pg.Client({ connectionString: t.dsn });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE extraction_jobs IN ACCESS EXCLUSIVE MODE');
    const pending = t.request('GET', '/api/v1/analytics/extractions', { token });
    const seen = await waitFor('the analytics query to show up', async () => {
      const { rows } = await admin.query<{ usename: string; application_name: string }>(
        `SELECT usename, application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM extraction_jobs%'`,
      );
      return rows[0];
    });
    assert.deepEqual(seen, { usename: reader, application_name: 'jivs:analytics' });
    // Meanwhile a write elsewhere goes through at once.
    const write = await t.request('POST', '/api/v1/sources', { token, body: { name: 'during analytics', kind: 'ndjson', path: 'missing.ndjson' } });
    assert.ok(write.status < 500);
    await blocker.query('ROLLBACK');
    await blocker.end();
    assert.equal((await pending).status, 200);
  });

  it('refuses with 503 when the bulkhead is full, and serves again once it drains', async () => {
    const blocker = new pg.Client({ connectionString: t.dsn });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE extraction_jobs IN ACCESS EXCLUSIVE MODE');
    const first = t.request('GET', '/api/v1/analytics/extractions', { token });
    await waitFor('the first query to run', async () => {
      const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND usename = $1`, [reader]);
      return rows[0];
    });
    const second = t.request('GET', '/api/v1/analytics/extractions', { token }); // waits in the queue
    await new Promise((r) => setTimeout(r, 200));
    const third = await t.request('GET', '/api/v1/analytics/extractions', { token });
    assert.equal(third.status, 503);
    assert.equal(third.body.error, 'pool_full');
    assert.match(third.body.message, /analytics pool is full/);
    assert.ok(third.headers.get('retry-after'));
    await blocker.query('ROLLBACK');
    await blocker.end();
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
  });

  it('lets auditors read figures and refuses anonymous requests', async () => {
    assert.equal((await t.request('GET', '/api/v1/analytics/quality')).status, 401);
    const created = await t.request('POST', '/api/v1/users', { token, body: { username: 'auditor1', password: 'quarterly ledger review 77', role: 'auditor' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const auditor = await t.login('auditor1', 'quarterly ledger review 77');
    assert.equal((await t.request('GET', '/api/v1/analytics/compliance', { token: auditor })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/analytics/dashboard?days=0', { token: auditor })).status, 400);
  });
});
