import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { waitFor } from './support/wait.ts';

const WRONG_PASSWORD = 'not-the-password-0xDEADBEEF';
const SOURCE_PASSWORD = 'source-db-secret-9f8e7d';

describe('audit trail of requests: sign-ins, changes, data access, search and export', () => {
  let t: TestApp;
  let db: pg.Client;
  const tokens: Record<string, string> = {};
  const users: Record<string, string> = {};

  /** Audit rows straight from the table, so assertions do not depend on the search API. */
  const rows = async (where: string, params: unknown[] = []) =>
    (await db.query(`SELECT * FROM audit_log WHERE ${where} ORDER BY seq`, params)).rows;
  // The entry is written after the response is sent: wait for it.
  const entryFor = (what: string, where: string, params: unknown[] = []) =>
    waitFor(what, async () => (await rows(where, params))[0], 10_000, 50);

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 50 });
    db = new pg.Client({ connectionString: t.dsn });
    await db.connect();
    tokens.admin = await t.login();
    users.admin = (await t.request('GET', '/api/v1/auth/me', { token: tokens.admin })).body.id;
    for (const role of ['analyst', 'auditor']) {
      const res = await t.request('POST', '/api/v1/users', {
        token: tokens.admin,
        body: { username: `the-${role}`, password: `${role} long secret words`, role },
      });
      assert.equal(res.status, 201);
      users[role] = res.body.id;
      tokens[role] = await t.login(`the-${role}`, `${role} long secret words`);
    }
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  it('records a successful sign-in with the account as actor', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'ADMIN', password: t.adminPassword },
      headers: { 'x-request-id': 'sign-in-as-ADMIN' },
    });
    assert.equal(res.status, 200);
    const entry = await entryFor('the sign-in', `details->>'requestId' = 'sign-in-as-ADMIN'`);
    assert.deepEqual([entry.action, entry.outcome, entry.actor_username], ['auth.login', 'success', 'admin']);
    assert.equal(entry.actor_user_id, users.admin);
    assert.equal(entry.actor_role, 'admin');
    assert.equal(entry.source_ip, '127.0.0.1');
  });

  it('records a failed sign-in with the claimed username and never the password', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: { username: 'admin', password: WRONG_PASSWORD } });
    assert.equal(res.status, 401);
    const entry = await entryFor('the failed sign-in', `action = 'auth.login' AND outcome = 'failure'`);
    assert.equal(entry.actor_username, 'admin');
    assert.equal(entry.actor_user_id, null, 'a failed attempt proves no identity');
    assert.equal(entry.details.status, 401);
    const unknown = await t.request('POST', '/api/v1/auth/login', { body: { username: 'nobody', password: WRONG_PASSWORD } });
    assert.equal(unknown.status, 401);
    await entryFor('the unknown user sign-in', `action = 'auth.login' AND actor_username = 'nobody' AND outcome = 'failure'`);
    const leaks = await rows(`audit_log::text LIKE '%' || $1 || '%' OR audit_log::text LIKE '%' || $2 || '%'`, [
      WRONG_PASSWORD,
      t.adminPassword,
    ]);
    assert.equal(leaks.length, 0, 'no password in any column of any entry');
  });

  it('records a source creation and deletion with actor, target and outcome, without its secret', async () => {
    const created = await t.request('POST', '/api/v1/sources', {
      token: tokens.admin,
      body: { name: 'crm', kind: 'postgres', dsn: `postgres://reader:${SOURCE_PASSWORD}@127.0.0.1:5432/crm` },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const entry = await entryFor('the source creation', `action = 'sources.create'`);
    assert.deepEqual(
      [entry.actor_user_id, entry.actor_username, entry.actor_role, entry.outcome, entry.details.status],
      [users.admin, 'admin', 'admin', 'success', 201],
    );
    const id = created.body.id as string;
    assert.equal((await t.request('DELETE', `/api/v1/sources/${id}`, { token: tokens.analyst })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/sources/${id}`, { token: tokens.admin })).status, 204);
    const denied = await entryFor('the refused deletion', `action = 'sources.delete' AND outcome = 'denied'`);
    assert.deepEqual([denied.target, denied.actor_username], [id, 'the-analyst']);
    const deleted = await entryFor('the deletion', `action = 'sources.delete' AND outcome = 'success'`);
    assert.equal(deleted.target, id);
    assert.equal((await rows(`audit_log::text LIKE '%' || $1 || '%'`, [SOURCE_PASSWORD])).length, 0);
  });

  it('records archive access, and anonymous access as denied', async () => {
    const res = await t.request('GET', '/api/v1/archive/datasets?limit=5', { token: tokens.auditor });
    assert.equal(res.status, 200);
    const entry = await entryFor('the dataset listing', `action = 'archive.datasets.list' AND outcome = 'success'`);
    assert.deepEqual([entry.actor_username, entry.actor_role], ['the-auditor', 'auditor']);
    assert.deepEqual(entry.details.query, { limit: 5, offset: 0 });
    assert.equal((await t.request('GET', '/api/v1/archive/datasets')).status, 401);
    const anonymous = await entryFor('the anonymous listing', `action = 'archive.datasets.list' AND outcome = 'denied'`);
    assert.equal(anonymous.actor_username, null);
  });

  it('does not record health checks or reads of metadata', async () => {
    const before = Number((await db.query('SELECT count(*) FROM audit_log')).rows[0].count);
    for (const url of ['/health', '/health/liveness', '/metrics', '/api/v1/sources', '/api/v1/extractions', '/api/v1/audit']) {
      await t.request('GET', url, { token: tokens.admin });
    }
    // A recorded request after them: once it is there, anything recorded before it is too.
    await t.request('POST', '/api/v1/sources', { token: tokens.admin, body: {} });
    await entryFor('the marker', `action = 'sources.create' AND outcome = 'failure'`);
    assert.equal(Number((await db.query('SELECT count(*) FROM audit_log')).rows[0].count), before + 1);
  });

  it('keeps the audit trail from analysts and operators of other roles', async () => {
    for (const url of ['/api/v1/audit', '/api/v1/audit/export', '/api/v1/audit/verify']) {
      assert.equal((await t.request('GET', url, { token: tokens.analyst })).status, 403, url);
      assert.equal((await t.request('GET', url)).status, 401, url);
    }
    assert.equal((await t.request('GET', '/api/v1/audit', { token: tokens.auditor })).status, 200);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      assert.equal((await t.request(method, '/api/v1/audit', { token: tokens.admin })).status, 404, `${method}: no endpoint edits entries`);
    }
  });

  it('searches by actor, action prefix, outcome, target and time, newest first, in keyset pages', async () => {
    const all = await rows('true');
    const search = async (query: string) => {
      const res = await t.request('GET', `/api/v1/audit?${query}`, { token: tokens.auditor });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { items: Array<{ seq: number; action: string; actor: any; outcome: string; target: string | null }>; nextBefore: number | null };
    };
    const seqs = (filter: (r: any) => boolean) => all.filter(filter).map((r) => Number(r.seq)).reverse();
    assert.deepEqual((await search('actor=THE-ANALYST&limit=500')).items.map((e) => e.seq), seqs((r) => r.actor_username === 'the-analyst'));
    assert.deepEqual((await search('action=auth.&limit=500')).items.map((e) => e.seq), seqs((r) => r.action.startsWith('auth.')));
    assert.deepEqual((await search('action=auth_login&limit=500')).items, [], '_ is not a wildcard');
    assert.deepEqual((await search('outcome=denied&limit=500')).items.map((e) => e.seq), seqs((r) => r.outcome === 'denied'));
    const target = all.find((r) => r.target)!.target as string;
    assert.deepEqual((await search(`target=${target}&limit=500`)).items.map((e) => e.seq), seqs((r) => r.target === target));
    const middle = all[Math.floor(all.length / 2)]!.at as Date;
    const from = encodeURIComponent(middle.toISOString());
    assert.deepEqual((await search(`from=${from}&limit=500`)).items.map((e) => e.seq), seqs((r) => r.at >= middle));
    assert.deepEqual((await search(`to=${from}&limit=500`)).items.map((e) => e.seq), seqs((r) => r.at < middle));

    const walked: number[] = [];
    let page = await search('limit=3');
    for (;;) {
      walked.push(...page.items.map((e) => e.seq));
      if (page.nextBefore === null) break;
      page = await search(`limit=3&before=${page.nextBefore}`);
    }
    assert.deepEqual(walked.slice(0, all.length), seqs(() => true));

    for (const query of ['limit=501', 'limit=0', 'outcome=maybe', 'from=yesterday', 'from=0000-01-01T00:00:00Z', 'before=-1', 'extra=1', 'actor=%07']) {
      const res = await t.request('GET', `/api/v1/audit?${query}`, { token: tokens.auditor });
      assert.equal(res.status, 400, `${query} → ${res.status}`);
    }
  });

  it('exports the entries as CSV and NDJSON, and records each export', async () => {
    const csv = await t.request('GET', '/api/v1/audit/export?format=csv', { token: tokens.auditor });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="audit-.*\.csv"/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    assert.equal(lines[0], 'seq,id,at,actor_user_id,actor_username,actor_role,action,target,outcome,source_ip,details,prev_hash,hash');
    const all = await rows('true');
    const bySeq = new Map(lines.slice(1).map((l) => [Number(l.split(',')[0]), l]));
    for (const r of all) {
      const line = bySeq.get(Number(r.seq));
      assert.ok(line, `entry ${r.seq} is in the export`);
      assert.ok(line.includes(`,${r.id},`) && line.includes(`,${r.action},`) && line.endsWith(`,${r.prev_hash},${r.hash}`), line);
    }

    const ndjson = await t.request('GET', '/api/v1/audit/export?format=ndjson&action=auth.login', { token: tokens.auditor });
    assert.equal(ndjson.status, 200);
    const exported = (ndjson.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
    const logins = await rows(`action = 'auth.login'`);
    assert.deepEqual(exported.map((e) => e.seq), logins.map((r) => Number(r.seq)).reverse());
    assert.deepEqual(exported.map((e) => e.hash), logins.map((r) => r.hash).reverse());

    const entry = await entryFor('the export entry', `action = 'audit.export' AND details->'query'->>'format' = 'ndjson'`);
    assert.deepEqual([entry.actor_username, entry.outcome, entry.details.query.action], ['the-auditor', 'success', 'auth.login']);
    assert.equal((await t.request('GET', '/api/v1/audit/export?format=xml', { token: tokens.auditor })).status, 400);
  });

  it('keeps the chain unbroken under 20 concurrent requests', async () => {
    const before = Number((await db.query('SELECT count(*) FROM audit_log')).rows[0].count);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? t.request('POST', '/api/v1/sources', {
              token: tokens.admin,
              body: { name: `parallel ${i}`, kind: 'postgres', dsn: 'postgres://u@127.0.0.1/db' },
            })
          : t.request('DELETE', `/api/v1/sources/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, { token: tokens.admin }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 201 : 404)));
    await waitFor('20 entries', async () =>
      Number((await db.query('SELECT count(*) FROM audit_log')).rows[0].count) >= before + 20 ? true : undefined,
    15_000);
    const res = await t.request('GET', '/api/v1/audit/verify', { token: tokens.auditor });
    assert.equal(res.status, 200);
    const count = Number((await db.query('SELECT count(*) FROM audit_log')).rows[0].count);
    assert.deepEqual(res.body, {
      valid: true,
      entries: count,
      lastSeq: count,
      lastHash: (await rows('seq = $1', [count]))[0].hash,
    });
    // Each entry names the previous one: no two share a predecessor (no fork).
    const forks = await db.query('SELECT prev_hash FROM audit_log GROUP BY prev_hash HAVING count(*) > 1');
    assert.equal(forks.rowCount, 0);
  });
});
