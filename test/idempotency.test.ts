import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { waitForExtraction } from './support/extractions.ts';
import { createDatabase } from './support/databases.ts';

describe('Idempotency-Key: a retried change is applied exactly once', () => {
  let t: TestApp;
  let token: string;
  let db: pg.Client;

  const source = (name: string) => ({ name, kind: 'http_json', url: 'http://127.0.0.1:9/items' });
  const post = (key: string, body: unknown, as = token) =>
    t.request('POST', '/api/v1/sources', { token: as, body, headers: { 'idempotency-key': key } });
  const countNamed = async (name: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM data_sources WHERE name = $1', [name])).rows[0]!.n);

  before(async () => {
    t = await startTestApp({ 'rateLimits.default.points': 10_000, 'rateLimits.auth.points': 50, 'http.idempotencyKeyTtlHours': 36 });
    token = await t.login();
    db = new pg.Client({ connectionString: t.dsn });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await t.close();
  });

  it('answers a repeat with the first answer and writes once', async () => {
    const key = randomUUID();
    const name = `idem-${key}`;
    const first = await post(key, source(name));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await post(key, source(name));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(await countNamed(name), 1);
  });

  it('runs concurrent duplicates once: every one gets the same answer', async () => {
    const key = randomUUID();
    const name = `idem-${key}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(key, source(name))));
    assert.deepEqual(answers.map((a) => a.status), Array(6).fill(201));
    assert.equal(new Set(answers.map((a) => (a.body as { id: string }).id)).size, 1);
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 5);
    assert.equal(await countNamed(name), 1);
  });

  it('refuses the same key with a different request (422) and writes nothing', async () => {
    const key = randomUUID();
    assert.equal((await post(key, source(`idem-${key}`))).status, 201);
    const other = await post(key, source(`other-${key}`));
    assert.equal(other.status, 422);
    assert.match((other.body as { message: string }).message, /Idempotency-Key .* was first used for POST \/api\/v1\/sources/);
    assert.equal(await countNamed(`other-${key}`), 0);
  });

  it('keeps no key for a request that failed, so a corrected retry runs', async () => {
    const taken = `idem-taken-${randomUUID()}`;
    assert.equal((await t.request('POST', '/api/v1/sources', { token, body: source(taken) })).status, 201);
    const key = randomUUID();
    const clash = await post(key, source(taken));
    assert.equal(clash.status, 409);
    const stored = await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    assert.equal(stored.rowCount, 0, 'a failed request must not leave its key behind');
    // The same key, now with a request that can succeed, is a first use.
    assert.equal((await post(key, source(`idem-${key}`))).status, 201);
  });

  it('scopes keys to the signed-in user', async () => {
    const operator = `op-${randomUUID().slice(0, 8)}`;
    const password = 'operator passphrase that is long 91';
    const created = await t.request('POST', '/api/v1/users', { token, body: { username: operator, password, role: 'operator' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const operatorToken = await t.login(operator, password);
    const key = randomUUID();
    assert.equal((await post(key, source(`idem-admin-${key}`))).status, 201);
    const theirs = await post(key, source(`idem-op-${key}`), operatorToken);
    assert.equal(theirs.status, 201, 'another user may use the same key for their own request');
    assert.equal(await countNamed(`idem-op-${key}`), 1);
  });

  it('lets an expired key be used afresh', async () => {
    const key = randomUUID();
    assert.equal((await post(key, source(`idem-${key}`))).status, 201);
    await db.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", [key]);
    const fresh = await post(key, source(`idem-later-${key}`));
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
    assert.equal(fresh.headers.get('idempotent-replayed'), null);
    assert.equal(await countNamed(`idem-later-${key}`), 1);
  });

  it('refuses malformed keys with 400 and applies nothing', async () => {
    for (const bad of ['', 'x'.repeat(256), 'has space', 'tab\tkey']) {
      const name = `idem-bad-${randomUUID()}`;
      const res = await post(bad, source(name));
      assert.equal(res.status, 400, `key ${JSON.stringify(bad)}: ${JSON.stringify(res.body)}`);
      assert.match((res.body as { message: string }).message, /Idempotency-Key must be/);
      assert.equal(await countNamed(name), 0);
    }
  });

  it('enqueues a job in the same transaction: an extraction started with a key runs once', async () => {
    const pgSource = await createDatabase('idem');
    try {
      const c = new pg.Client({ connectionString: pgSource.dsn });
      await c.connect();
      await c.query('CREATE TABLE items AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 500) g');
      await c.end();
      const created = await post(randomUUID(), { name: `idem-pg-${randomUUID()}`, kind: 'postgres', dsn: pgSource.dsn });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sourceId = (created.body as { id: string }).id;
      const key = randomUUID();
      const start = () =>
        t.request('POST', '/api/v1/extractions', { token, body: { name: 'idem items', sourceId, table: 'items', start: true }, headers: { 'idempotency-key': key } });
      const [a, b] = [await start(), await start()];
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.deepEqual(b.body, a.body);
      const id = (a.body as { id: string }).id;
      const done = await waitForExtraction(t, token, id);
      assert.equal(done.status, 'completed');
      assert.equal(done.progress.records, 500);
      assert.equal(done.verification?.match, true);
      const jobs = await db.query('SELECT count(*)::int AS n FROM extraction_jobs WHERE source_id = $1', [sourceId]);
      assert.equal(jobs.rows[0].n, 1);
    } finally {
      await pgSource.drop();
    }
  });

  it('documents the header, with the configured key lifetime, in the OpenAPI description', async () => {
    const doc = await t.request('GET', '/openapi.json');
    const description = (doc.body as { info: { description: string } }).info.description;
    assert.match(description, /Idempotency-Key/);
    assert.match(description, /kept 36 hours/);
  });

  it('stores no answer that holds tokens: a password change ignores the key', async () => {
    const username = `idem-${randomUUID().slice(0, 8)}`;
    const password = 'a first long passphrase 4711';
    assert.equal((await t.request('POST', '/api/v1/users', { token, body: { username, password, role: 'analyst' } })).status, 201);
    const own = await t.login(username, password);
    const key = randomUUID();
    const changed = await t.request('POST', '/api/v1/auth/password', {
      token: own,
      body: { currentPassword: password, newPassword: 'a second long passphrase 4712' },
      headers: { 'idempotency-key': key },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const stored = await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    assert.equal(stored.rowCount, 0, 'the answer with its tokens is not kept');
  });

  it('keeps only a keyed fingerprint of a body, never a plain hash a password could be guessed from', async () => {
    // The same request on an instance with another key: a plain hash would be equal.
    const other = await startTestApp({ 'rateLimits.auth.points': 50 });
    try {
      const key = randomUUID();
      const fingerprints: string[] = [];
      for (const [app, dsn] of [[t, t.dsn], [other, other.dsn]] as const) {
        const sent = await app.request('POST', '/api/v1/sources', { token: await app.login(), body: source(`idem-${key}`), headers: { 'idempotency-key': key } });
        assert.equal(sent.status, 201);
        const client = new pg.Client({ connectionString: dsn });
        await client.connect();
        const { rows } = await client.query<{ fingerprint: string }>('SELECT fingerprint FROM idempotency_keys WHERE key = $1', [key]);
        await client.end();
        fingerprints.push(rows[0]!.fingerprint);
      }
      assert.notEqual(fingerprints[0], fingerprints[1]);
    } finally {
      await other.close();
    }
  });

});
