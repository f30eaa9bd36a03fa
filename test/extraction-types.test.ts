import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';
import { createTypedSource } from './support/source-fixtures.ts';

/** Every value as PostgreSQL renders it, ordered by key: equal renderings mean equal data. */
async function renderings(dsn: string, relation: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: dsn, options: '-c TimeZone=UTC -c extra_float_digits=1' });
  await client.connect();
  try {
    const { rows } = await client.query<{ r: string }>(`SELECT t::text AS r FROM ${relation} t ORDER BY id`);
    return rows.map((r) => r.r);
  } finally {
    await client.end();
  }
}

describe('extraction of a PostgreSQL table with every column type', () => {
  let t: TestApp;
  let source: Awaited<ReturnType<typeof createTypedSource>>;
  let token: string;

  before(async () => {
    source = await createTypedSource(2_000);
    t = await startTestApp({ 'jobs.checkpointRows': 300 });
    token = await t.login();
  });
  after(async () => {
    await t?.close();
    await source?.close();
  });

  it('archives NULLs, unicode, numeric precision, timestamptz, jsonb, bytea and arrays exactly', async () => {
    const sourceId = await createSource(t, token, { name: 'typed', kind: 'postgres', dsn: source.dsn });
    const id = await startExtraction(t, token, { name: 'all types', sourceId, table: source.table });
    const done = await waitForExtraction(t, token, id);

    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.progress.records, 2_000);
    assert.ok(done.verification?.match, 'count and checksum match');
    assert.equal(done.verification?.method, 'sql-record-hash');
    assert.equal(done.verification?.source.rows, 2_000);
    assert.equal(done.verification?.source.checksum, done.verification?.archive.checksum);

    // Independent of the engine's own verification: compare every rendered row.
    const expected = await renderings(source.dsn, source.table);
    const actual = await renderings(t.dsn, done.archiveTable);
    assert.equal(actual.length, expected.length);
    assert.deepEqual(actual, expected);
  });

  it('lists the completed extraction in the archive catalogue', async () => {
    const res = await t.request('GET', '/api/v1/archive/datasets', { token });
    assert.equal(res.status, 200);
    const items = (res.body as { items: Array<{ rowCount: number; columns: Array<{ name: string; type: string }> }> }).items;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.rowCount, 2_000);
    const types = Object.fromEntries(items[0]!.columns.map((c) => [c.name, c.type]));
    assert.equal(types.amount, 'numeric(38,18)');
    assert.equal(types.created, 'timestamp with time zone');
    assert.equal(types.tags, 'text[]');
    // A type that exists only on the source is archived as its text.
    assert.equal(types.feeling, 'text');
  });
});
