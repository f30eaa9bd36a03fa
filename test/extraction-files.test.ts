import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';

async function archived(t: TestApp, table: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: t.dsn });
  await client.connect();
  try {
    return (await client.query(`SELECT * FROM ${table}`)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('extraction of files and HTTP APIs', () => {
  let t: TestApp;
  let token: string;
  let api: Server;
  let apiUrl: string;
  const people = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, name: `person ${i + 1} ✓`, tags: ['x', i], nested: { b: 2, a: 1 } }));

  before(async () => {
    t = await startTestApp({ 'jobs.checkpointRows': 40 });
    token = await t.login();
    const files = path.join(t.dataDir, 'files');
    await mkdir(files, { recursive: true });
    await writeFile(
      path.join(files, 'customers.csv'),
      'id,name,comment\n1,Ada,"likes ""quotes"", commas"\n2,Bob,"multi\nline"\n3,Çelik,\\back\\slash\n' +
        Array.from({ length: 97 }, (_, i) => `${i + 4},name ${i + 4},\t`).join('\n') + '\n',
    );
    await writeFile(path.join(files, 'events.ndjson'), people.map((p) => JSON.stringify(p)).join('\n') + '\n');
    api = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { items: people.slice(offset, offset + limit) } }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const address = api.address();
    apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/people`;
  });
  after(async () => {
    api?.close();
    await t?.close();
  });

  it('archives a CSV file as text columns, quotes, newlines and all', async () => {
    const sourceId = await createSource(t, token, { name: 'csv', kind: 'csv', path: 'customers.csv' });
    const done = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'csv', sourceId }));
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.progress.records, 100);
    assert.equal(done.verification?.match, true);
    const rows = await archived(t, done.archiveTable);
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(byId.get('1'), { id: '1', name: 'Ada', comment: 'likes "quotes", commas' });
    assert.deepEqual(byId.get('2'), { id: '2', name: 'Bob', comment: 'multi\nline' });
    assert.deepEqual(byId.get('3'), { id: '3', name: 'Çelik', comment: '\\back\\slash' });
    assert.equal(byId.get('50')?.comment, '\t');
  });

  it('archives NDJSON records as jsonb', async () => {
    const sourceId = await createSource(t, token, { name: 'ndjson', kind: 'ndjson', path: 'events.ndjson' });
    const done = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'ndjson', sourceId }));
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.verification?.match, true);
    const rows = await archived(t, done.archiveTable);
    assert.deepEqual(
      rows.map((r) => r.record).sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
      people,
    );
  });

  it('archives every page of a paginated HTTP JSON API', async () => {
    const sourceId = await createSource(t, token, {
      name: 'api',
      kind: 'http_json',
      url: apiUrl,
      recordsPath: 'data.items',
      pagination: { type: 'offset', limit: 30 },
    });
    const done = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'api', sourceId }));
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.progress.records, people.length);
    assert.equal(done.verification?.match, true);
    assert.equal((await archived(t, done.archiveTable)).length, people.length);
  });

  it('fails a job on a malformed file with the line that is wrong', async () => {
    await writeFile(path.join(t.dataDir, 'files', 'broken.ndjson'), '{"ok":1}\n{"broken": \n');
    const sourceId = await createSource(t, token, { name: 'broken', kind: 'ndjson', path: 'broken.ndjson' });
    const done = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'broken', sourceId }));
    assert.equal(done.status, 'failed');
    assert.match(done.error ?? '', /line 2 of the NDJSON file is not valid JSON/);
  });
});
