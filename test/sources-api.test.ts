import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createDatabase } from './support/databases.ts';

interface SourceBody {
  id: string;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  dsn?: string;
  hasSecret: boolean;
  createdBy: string | null;
  createdAt: string;
}

/** An API behind a bearer token, paged by ?page=N: two pages of records, then an empty one. */
function pagedApi(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    if (req.headers.authorization !== 'Bearer api-token-123') {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"error":"unauthorised"}');
    }
    if (url.pathname === '/broken') {
      res.writeHead(500);
      return res.end('oops');
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    const items = page <= 2 ? [{ id: page * 2 - 1, name: 'a' }, { id: page * 2, name: 'b' }] : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { items } }));
  });
}

describe('sources API: every kind created, listed, read, tested and deleted', () => {
  let t: TestApp;
  let token: string;
  let source: Awaited<ReturnType<typeof createDatabase>>;
  let api: Server;
  let apiUrl: string;
  let files: string;

  before(async () => {
    source = await createDatabase('src');
    t = await startTestApp({ 'rateLimits.default.points': 10_000 });
    token = await t.login();
    files = path.join(t.dataDir, 'files');
    await writeFile(path.join(files, 'customers.csv'), 'id,name,city\n1,Ann,Bern\n2,"Bob, Jr.",Basel\n');
    await writeFile(path.join(files, 'plain.csv'), '1;Ann\n2;Bob\n');
    await writeFile(path.join(files, 'ragged.csv'), 'id,name\n1,Ann\n2\n');
    await writeFile(path.join(files, 'events.ndjson'), '{"id":1,"type":"login"}\n{"id":2,"type":"logout"}\n');
    await writeFile(path.join(files, 'broken.ndjson'), '{"id":1,\n');
    api = pagedApi();
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  after(async () => {
    api?.closeAllConnections();
    api?.close();
    await t?.close();
    await source?.drop();
  });

  const create = async (body: Record<string, unknown>): Promise<SourceBody> => {
    const res = await t.request('POST', '/api/v1/sources', { token, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as SourceBody;
  };
  const test = async (id: string) => {
    const res = await t.request('POST', `/api/v1/sources/${id}/test`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { ok: boolean; details?: Record<string, unknown>; error?: string };
  };
  const get = async (id: string) => {
    const res = await t.request('GET', `/api/v1/sources/${id}`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as SourceBody;
  };

  it('creates and tests a PostgreSQL source from a DSN', async () => {
    const dsn = new URL(source.dsn);
    const created = await create({ name: 'Warehouse DB', kind: 'postgres', dsn: `${source.dsn}?sslmode=disable` });
    assert.equal(created.kind, 'postgres');
    assert.deepEqual(created.settings, {
      host: '127.0.0.1',
      port: Number(dsn.port),
      database: source.name,
      user: decodeURIComponent(dsn.username),
      params: { sslmode: 'disable' },
    });
    assert.equal(created.dsn, `postgres://${dsn.username}@127.0.0.1:${dsn.port}/${source.name}?sslmode=disable`);
    assert.equal(created.hasSecret, true);
    assert.match(created.createdBy ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(created.createdAt)));
    assert.deepEqual(await get(created.id), created);

    const result = await test(created.id);
    assert.equal(result.ok, true, result.error);
    assert.match(String(result.details?.serverVersion), /^PostgreSQL \d+/);
    assert.equal(typeof result.details?.latencyMs, 'number');
  });

  it('creates and tests CSV sources with and without a header line', async () => {
    const withHeader = await create({ name: 'customers csv', kind: 'csv', path: 'customers.csv' });
    assert.deepEqual(withHeader.settings, { path: 'customers.csv', delimiter: ',', quote: '"', header: true, encoding: 'utf8' });
    assert.equal(withHeader.hasSecret, false);
    assert.equal(withHeader.dsn, undefined);
    assert.deepEqual(await test(withHeader.id), {
      ok: true,
      details: { columns: ['id', 'name', 'city'], columnCount: 3, sampledRecords: 2 },
    });

    const noHeader = await create({
      name: 'plain csv',
      kind: 'csv',
      path: 'plain.csv',
      delimiter: ';',
      header: false,
      columns: ['id', 'name'],
      encoding: 'latin1',
    });
    assert.deepEqual(await test(noHeader.id), { ok: true, details: { columns: ['id', 'name'], columnCount: 2, sampledRecords: 2 } });
  });

  it('creates and tests an NDJSON source', async () => {
    const created = await create({ name: 'events', kind: 'ndjson', path: 'events.ndjson' });
    assert.deepEqual(created.settings, { path: 'events.ndjson' });
    assert.deepEqual(await test(created.id), { ok: true, details: { empty: false, fields: ['id', 'type'] } });
  });

  it('creates and tests a paged HTTP JSON source with a secret header', async () => {
    const created = await create({
      name: 'crm api',
      kind: 'http_json',
      url: `${apiUrl}/items`,
      recordsPath: 'data.items',
      pagination: { type: 'page' },
      headers: { 'X-Client': 'jivs' },
      secretHeaders: { Authorization: 'Bearer api-token-123' },
    });
    assert.deepEqual(created.settings, {
      url: `${apiUrl}/items`,
      recordsPath: 'data.items',
      pagination: { type: 'page', pageParam: 'page', size: 100, start: 1 },
      headers: { 'X-Client': 'jivs' },
    });
    assert.equal(created.hasSecret, true);
    assert.deepEqual(await test(created.id), {
      ok: true,
      details: { recordsOnFirstPage: 2, morePages: true, fields: ['id', 'name'] },
    });
  });

  it('lists every source, ordered by name', async () => {
    const res = await t.request('GET', '/api/v1/sources', { token });
    assert.equal(res.status, 200);
    const names = (res.body as SourceBody[]).map((s) => s.name);
    assert.deepEqual(names, ['crm api', 'customers csv', 'events', 'plain csv', 'Warehouse DB']);
  });

  it('reports sources that cannot be read as a failed test, not an error', async () => {
    const badPassword = new URL(source.dsn);
    badPassword.password = 'wrong-password';
    const wrongPassword = await create({ name: 'wrong password', kind: 'postgres', dsn: badPassword.toString() });
    const result = await test(wrongPassword.id);
    assert.equal(result.ok, false);
    assert.match(result.error!, /password authentication failed/);
    assert.doesNotMatch(result.error!, /wrong-password/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await create({ name: 'unreachable', kind: 'postgres', dsn: `postgres://u:p@127.0.0.1:${port}/db` });
    assert.deepEqual(await test(unreachable.id), { ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });

    const unauthorised = await create({ name: 'no token', kind: 'http_json', url: `${apiUrl}/items` });
    assert.deepEqual(await test(unauthorised.id), { ok: false, error: `${apiUrl}/items answered HTTP 401 Unauthorized` });
    const broken = await create({ name: 'broken api', kind: 'http_json', url: `${apiUrl}/broken`, secretHeaders: { Authorization: 'Bearer api-token-123' } });
    assert.match((await test(broken.id)).error!, /answered HTTP 500/);

    const ragged = await create({ name: 'ragged', kind: 'csv', path: 'ragged.csv' });
    assert.deepEqual(await test(ragged.id), { ok: false, error: 'record 2 has 1 fields; expected 2' });
    const brokenNdjson = await create({ name: 'broken ndjson', kind: 'ndjson', path: 'broken.ndjson' });
    assert.match((await test(brokenNdjson.id)).error!, /^line 1 of broken.ndjson is not JSON/);

    await writeFile(path.join(files, 'gone.csv'), 'a\n1\n');
    const gone = await create({ name: 'gone', kind: 'csv', path: 'gone.csv' });
    await rm(path.join(files, 'gone.csv'));
    assert.deepEqual(await test(gone.id), { ok: false, error: 'no such file under the file root: "gone.csv"' });
  });

  it('deletes a source, refusing while an extraction job refers to it', async () => {
    const created = await create({ name: 'to delete', kind: 'ndjson', path: 'events.ndjson' });
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO extraction_jobs (name, source_id, spec, archive_table) VALUES ('uses it', $1, '{}', 'ext_sources_test')`,
        [created.id],
      );
      const refused = await t.request('DELETE', `/api/v1/sources/${created.id}`, { token });
      assert.equal(refused.status, 409);
      assert.match((refused.body as { message: string }).message, /is used by extraction jobs or migrations; delete those first/);
      assert.equal((await get(created.id)).id, created.id);
      await client.query('DELETE FROM extraction_jobs WHERE source_id = $1', [created.id]);
    } finally {
      await client.end();
    }
    const deleted = await t.request('DELETE', `/api/v1/sources/${created.id}`, { token });
    assert.equal(deleted.status, 204);
    assert.equal((await t.request('GET', `/api/v1/sources/${created.id}`, { token })).status, 404);
    assert.equal((await t.request('DELETE', `/api/v1/sources/${created.id}`, { token })).status, 404);
    assert.equal((await t.request('POST', `/api/v1/sources/${created.id}/test`, { token })).status, 404);
  });
});
