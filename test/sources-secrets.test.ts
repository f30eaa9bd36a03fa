import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createSourcesModule } from '../src/modules/sources/index.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { createDatabase } from './support/databases.ts';

const API_TOKEN = 'Bearer tok_9f8e7d6c5b4a';
const API_KEY = 'key-0123456789abcdef';

describe('sources: secrets are stored encrypted and never returned', () => {
  let t: TestApp;
  let token: string;
  let source: Awaited<ReturnType<typeof createDatabase>>;
  let password: string;
  let client: pg.Client;
  let outside: string;
  const responses: unknown[] = [];

  before(async () => {
    source = await createDatabase('src');
    password = decodeURIComponent(new URL(source.dsn).password);
    assert.ok(password.length >= 8, 'the test server has a real password');
    t = await startTestApp({ 'rateLimits.default.points': 10_000 });
    token = await t.login();
    client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    outside = await mkdtemp(path.join(tmpdir(), 'jivs-outside-'));
    await writeFile(path.join(outside, 'private.csv'), 'secret\n1\n');
    await writeFile(path.join(t.dataDir, 'files', 'data.csv'), 'a,b\n1,2\n');
  });
  after(async () => {
    await client?.end();
    await t?.close();
    await source?.drop();
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.request(method, url, { token, body });
    responses.push(res.body);
    return res;
  };

  let pgId: string;
  let httpId: string;

  it('returns no secret from create, get, list or test', async () => {
    const pgSource = await call('POST', '/api/v1/sources', { name: 'db', kind: 'postgres', dsn: source.dsn });
    assert.equal(pgSource.status, 201);
    pgId = (pgSource.body as { id: string }).id;
    const httpSource = await call('POST', '/api/v1/sources', {
      name: 'api',
      kind: 'http_json',
      url: 'http://127.0.0.1:9/records',
      secretHeaders: { Authorization: API_TOKEN, 'X-Api-Key': API_KEY },
    });
    assert.equal(httpSource.status, 201);
    httpId = (httpSource.body as { id: string }).id;
    await call('GET', '/api/v1/sources');
    await call('GET', `/api/v1/sources/${pgId}`);
    await call('GET', `/api/v1/sources/${httpId}`);
    assert.equal(((await call('POST', `/api/v1/sources/${pgId}/test`)).body as { ok: boolean }).ok, true);
    assert.equal(((await call('POST', `/api/v1/sources/${httpId}/test`)).body as { ok: boolean }).ok, false);
    // A refused duplicate must not echo the secret either.
    assert.equal((await call('POST', '/api/v1/sources', { name: 'DB', kind: 'postgres', dsn: source.dsn })).status, 409);

    const everything = JSON.stringify(responses);
    for (const secret of [password, encodeURIComponent(password), API_TOKEN, 'tok_9f8e7d6c5b4a', API_KEY]) {
      assert.ok(!everything.includes(secret), `a response contains ${secret}`);
    }
    assert.doesNotMatch(everything, /secretHeaders|"password"/);
  });

  it('stores the secret only as AES-GCM ciphertext', async () => {
    const { rows } = await client.query<{ id: string; settings: string; secret: Buffer | null }>(
      'SELECT id, settings::text AS settings, secret_ciphertext AS secret FROM data_sources ORDER BY name',
    );
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const stored = row.settings + (row.secret ? row.secret.toString('latin1') + row.secret.toString('base64') + row.secret.toString('hex') : '');
      for (const secret of [password, API_TOKEN, 'tok_9f8e7d6c5b4a', API_KEY, 'Authorization', 'X-Api-Key']) {
        assert.ok(!stored.includes(secret), `the data_sources row of ${row.id} contains ${secret}`);
      }
      assert.ok(row.secret, 'both sources have a secret');
      assert.equal(row.secret[0], 1, 'format version byte');
      assert.ok(row.secret.length > 1 + 12 + 16);
    }
  });

  it('decrypts the secret for the extraction engine', async () => {
    const sources = createSourcesModule(t.app.ctx);
    const pgSource = await sources.resolve(pgId);
    assert.equal(pgSource.kind, 'postgres');
    assert.deepEqual(pgSource.secret, { password });
    const httpSource = await sources.resolve(httpId);
    assert.deepEqual(httpSource.secret, { headers: { Authorization: API_TOKEN, 'X-Api-Key': API_KEY } });
    await assert.rejects(sources.resolve('00000000-0000-4000-8000-000000000000'), { status: 404 });
    await assert.rejects(sources.resolve('not-a-uuid'), { status: 404 });
  });

  it('refuses a ciphertext moved onto another source, and the test says why', async () => {
    await client.query(
      'UPDATE data_sources SET secret_ciphertext = (SELECT secret_ciphertext FROM data_sources WHERE id = $1) WHERE id = $2',
      [httpId, pgId],
    );
    await assert.rejects(createSourcesModule(t.app.ctx).resolve(pgId), /could not be decrypted/);
    const res = await call('POST', `/api/v1/sources/${pgId}/test`);
    assert.equal(res.status, 200);
    assert.match((res.body as { error: string }).error, /could not be decrypted/);
  });

  it('checks the confinement of file sources again at use', async () => {
    const created = await call('POST', '/api/v1/sources', { name: 'file', kind: 'csv', path: 'data.csv' });
    assert.equal(created.status, 201);
    const id = (created.body as { id: string }).id;
    const sources = createSourcesModule(t.app.ctx);
    const resolved = await sources.resolve(id);
    assert.equal(resolved.kind === 'csv' && resolved.absolutePath, path.join(t.dataDir, 'files', 'data.csv'));

    // The file is swapped for a link out of the root after creation.
    await unlink(path.join(t.dataDir, 'files', 'data.csv'));
    await symlink(path.join(outside, 'private.csv'), path.join(t.dataDir, 'files', 'data.csv'));
    await assert.rejects(sources.resolve(id), /path escapes the file root/);
    const res = await call('POST', `/api/v1/sources/${id}/test`);
    assert.deepEqual(res.body, { ok: false, error: 'path escapes the file root: "data.csv" leads outside it through a symbolic link' });
  });
});
