import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

const ANALYST_PASSWORD = 'analyst passphrase 4 tests';

describe('sources: bad input is refused with a 4xx and a reason', () => {
  let t: TestApp;
  let token: string;
  let outside: string;
  let existingId: string;

  before(async () => {
    t = await startTestApp({ 'rateLimits.default.points': 10_000, 'sources.httpAllowedHosts': ['127.0.0.1', '*.example.com'] });
    token = await t.login();
    outside = await mkdtemp(path.join(tmpdir(), 'jivs-outside-'));
    await writeFile(path.join(outside, 'secret.csv'), 'a\n1\n');
    const files = path.join(t.dataDir, 'files');
    await writeFile(path.join(files, 'ok.csv'), 'a\n1\n');
    await symlink(path.join(outside, 'secret.csv'), path.join(files, 'escape.csv'));
    const created = await t.request('POST', '/api/v1/sources', { token, body: { name: 'Existing', kind: 'csv', path: 'ok.csv' } });
    assert.equal(created.status, 201);
    existingId = (created.body as { id: string }).id;
  });
  after(async () => {
    await t?.close();
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  const create = (body: unknown) => t.request('POST', '/api/v1/sources', { token, body });
  const csv = { name: 'x', kind: 'csv', path: 'ok.csv' };
  const http = { name: 'x', kind: 'http_json', url: 'http://127.0.0.1:9/r' };

  it('refuses every malformed create request, and creates nothing', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      // File paths
      [{ ...csv, path: '../../etc/passwd' }, 400, /path escapes the file root/],
      [{ ...csv, path: '/etc/passwd' }, 400, /path escapes the file root/],
      [{ ...csv, path: 'escape.csv' }, 400, /path escapes the file root/],
      [{ name: 'x', kind: 'ndjson', path: 'missing.ndjson' }, 400, /no such file under the file root/],
      [{ ...csv, path: 'ok.csv\u0000' }, 400, /control characters/],
      [{ ...csv, path: '' }, 400, /path/],
      // CSV options
      [{ ...csv, header: false }, 400, /columns must name the columns/],
      [{ ...csv, delimiter: ',,' }, 400, /delimiter/],
      [{ ...csv, quote: ',' }, 400, /must differ from delimiter/],
      [{ ...csv, columns: ['a', 'a'] }, 400, /unique/],
      [{ ...csv, encoding: 'utf16' }, 400, /encoding/],
      // PostgreSQL DSNs
      [{ name: 'x', kind: 'postgres', dsn: 'not a dsn' }, 400, /dsn is not a valid connection URL/],
      [{ name: 'x', kind: 'postgres', dsn: 'mysql://u:p@h/db' }, 400, /must start with postgres:\/\//],
      [{ name: 'x', kind: 'postgres', dsn: 'postgres://u:p@h' }, 400, /names no database/],
      [{ name: 'x', kind: 'postgres', dsn: 'postgres://u:p@h/db?sslmode=maybe' }, 400, /sslmode "maybe"/],
      [{ name: 'x', kind: 'postgres' }, 400, /dsn/],
      // HTTP JSON
      [{ ...http, url: 'ftp://127.0.0.1/r' }, 400, /url: must be an http:\/\/ or https:\/\/ URL/],
      [{ ...http, url: 'not a url' }, 400, /url: must be an http/],
      [{ ...http, url: 'http://other.test/r' }, 400, /host other.test is not allowed/],
      [{ ...http, url: 'http://user:pw@127.0.0.1/r' }, 400, /must not contain credentials/],
      [{ ...http, headers: { Authorization: 'Bearer x' } }, 400, /belong in secretHeaders/],
      [{ ...http, headers: { 'X-A': 'a' }, secretHeaders: { 'x-a': 'b' } }, 400, /not both/],
      [{ ...http, secretHeaders: { 'Bad Header': 'v' } }, 400, /"Bad Header" is not an HTTP header name/],
      [{ ...http, secretHeaders: { 'X-Key': 'line\r\nInjected: 1' } }, 400, /control characters/],
      [{ ...http, pagination: { type: 'cursor' } }, 400, /cursorPath/],
      [{ ...http, pagination: { type: 'page', size: 'ten' } }, 400, /size/],
      [{ ...http, pagination: { type: 'scroll' } }, 400, /pagination/],
      // Kinds, fields, types and names
      [{ name: 'x', kind: 'oracle', dsn: 'oracle://h' }, 400, /kind/],
      [{ name: 'x', path: 'ok.csv' }, 400, /kind/],
      [{ ...csv, extra: 1 }, 400, /extra|unrecognized/i],
      [{ ...http, secret: 'x' }, 400, /secret|unrecognized/i],
      [{ ...csv, name: 42 }, 400, /name/],
      [{ ...csv, header: 'yes' }, 400, /header/],
      [{ ...csv, name: 'bell\u0007' }, 400, /control characters/],
      [{ ...csv, name: 'two\nlines' }, 400, /control characters/],
      [{ ...csv, name: '' }, 400, /name/],
      [{ ...csv, name: '   ' }, 400, /blank/],
      [{ ...csv, name: 'n'.repeat(101) }, 400, /name/],
      [[csv], 400, /body/],
      ['{"name": "x", ', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of cases) {
      const res = await create(body);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match((res.body as { message: string }).message, message, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
    const list = await t.request('GET', '/api/v1/sources', { token });
    assert.deepEqual((list.body as Array<{ name: string }>).map((s) => s.name), ['Existing']);
  });

  it('accepts hosts allowed by a wildcard entry', async () => {
    const res = await create({ ...http, name: 'allowed', url: 'https://api.example.com/r' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await t.request('DELETE', `/api/v1/sources/${(res.body as { id: string }).id}`, { token })).status, 204);
  });

  it('refuses a duplicate name, ignoring case, with 409', async () => {
    const res = await create({ ...csv, name: 'EXISTING' });
    assert.equal(res.status, 409);
    assert.match((res.body as { message: string }).message, /a data source named "EXISTING" already exists/);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1", '%00']) {
      for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['POST', '/test']] as const) {
        const res = await t.request(method, `/api/v1/sources/${encodeURIComponent(id)}${suffix}`, { token });
        const expected = id === '%00' ? [400, 404] : [404];
        assert.ok(expected.includes(res.status), `${method} ${id}${suffix} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  });

  it('lets only admins and operators change or test sources', async () => {
    const created = await t.request('POST', '/api/v1/users', {
      token,
      body: { username: 'anna', password: ANALYST_PASSWORD, role: 'analyst' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const analyst = await t.login('anna', ANALYST_PASSWORD);

    const refusedCreate = await t.request('POST', '/api/v1/sources', { token: analyst, body: { ...csv, name: 'by analyst' } });
    assert.equal(refusedCreate.status, 403);
    assert.match((refusedCreate.body as { message: string }).message, /role analyst may not do this/);
    assert.equal((await t.request('POST', `/api/v1/sources/${existingId}/test`, { token: analyst })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/sources/${existingId}`, { token: analyst })).status, 403);

    assert.equal((await t.request('GET', '/api/v1/sources', { token: analyst })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/sources/${existingId}`, { token: analyst })).status, 200);

    assert.equal((await t.request('GET', '/api/v1/sources')).status, 401);
    assert.equal((await t.request('POST', '/api/v1/sources', { body: csv })).status, 401);
  });
});
