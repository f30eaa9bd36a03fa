import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset } from './support/archive-fixtures.ts';

const COLUMNS = [
  { name: 'id', type: 'integer' },
  { name: 'email', type: 'text' },
  { name: 'code', type: 'character varying(10)' },
  { name: 'amount', type: 'numeric(10,2)' },
  { name: 'day', type: 'date' },
  { name: 'ref', type: 'uuid' },
  { name: 'doc', type: 'json' },
  { name: 'flag', type: 'boolean' },
];
const uuids = Array.from({ length: 10 }, () => randomUUID());
// Values are written as PostgreSQL renders them back as text, so the expected top values and
// distinct counts can be computed from this table directly.
const ROWS: unknown[][] = [
  [1, 'ann@example.com', 'AB-1234', '10.50', '2024-01-05', uuids[0], '{"a":1}', true],
  [2, 'bob@example.com', 'CD-5678', '20.00', '2024-01-06', uuids[1], '{"a":1}', false],
  [3, null, 'EF-9012', '5.25', '2024-02-01', uuids[2], '[1,2]', true],
  [4, 'cy@example.org', 'GH-3456', '99.99', '2023-12-31', uuids[3], null, true],
  [5, 'ann@example.com', 'xy', '10.50', null, uuids[4], '{"a":1}', null],
  [6, 'dee@example.com', 'IJ-7890', '10.50', '2024-03-01', uuids[5], '"s"', false],
  [7, null, 'KL-1111', null, '2024-01-05', uuids[6], '{"b":2}', true],
  [8, 'eve@example.com', 'MN-2222', '0.01', '2024-01-05', uuids[7], '1', true],
  [9, 'fay@example.com', 'OP-3333', '-3.00', '2024-05-05', uuids[8], 'null', false],
  [10, 'gil@example.com', 'QR-4444', '10.50', '2024-01-05', uuids[9], '{"a":1}', true],
];

/** Null count, distinct count and top five (count desc, then value) of a column, from the fixture. */
function expectedCounts(index: number) {
  const values = ROWS.map((r) => r[index]).filter((v) => v !== null).map(String);
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts]
    .sort(([va, a], [vb, b]) => b - a || (va < vb ? -1 : va > vb ? 1 : 0))
    .slice(0, 5)
    .map(([value, count]) => ({ value, count }));
  const nulls = ROWS.length - values.length;
  return { nulls, nullPercent: (100 * nulls) / ROWS.length, distinct: counts.size, top };
}

describe('quality profiles', () => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  after(() => t?.close());

  it('reports nulls, distinct counts, min/max, top values, shapes and semantic types that match the data', async () => {
    const data = await createArchivedDataset(t, { columns: COLUMNS, rows: ROWS });
    const res = await t.request('POST', '/api/v1/quality/profiles', { token, body: { datasetId: data.datasetId } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.datasetId, data.datasetId);
    assert.equal(res.body.rows, ROWS.length);
    const columns = new Map<string, any>(res.body.columns.map((c: any) => [c.name, c]));
    assert.deepEqual([...columns.keys()], COLUMNS.map((c) => c.name));

    COLUMNS.forEach((c, i) => {
      const got = columns.get(c.name);
      const { nulls, nullPercent, distinct, top } = expectedCounts(i);
      assert.deepEqual({ nulls: got.nulls, nullPercent: got.nullPercent, distinct: got.distinct, top: got.top }, { nulls, nullPercent, distinct, top }, c.name);
      assert.equal(got.type, c.type);
    });

    // Min and max in each type's own order; none for types without one.
    const range = (name: string) => [columns.get(name).min, columns.get(name).max];
    assert.deepEqual(range('id'), ['1', '10']);
    assert.deepEqual(range('amount'), ['-3.00', '99.99']);
    assert.deepEqual(range('day'), ['2023-12-31', '2024-05-05']);
    assert.deepEqual(range('email'), ['ann@example.com', 'gil@example.com']);
    assert.deepEqual(range('ref'), [null, null]);
    assert.deepEqual(range('doc'), [null, null]);
    assert.deepEqual(range('flag'), [null, null]);

    const pattern = (name: string) => columns.get(name).pattern;
    const semantic = (name: string) => columns.get(name).semanticType;
    assert.deepEqual(pattern('code'), { shape: 'AA-9999', share: 9 / 10 });
    assert.deepEqual(pattern('email'), { shape: 'AAA@AAAAAAA.AAA', share: 7 / 8 });
    assert.deepEqual(pattern('id'), { shape: '9', share: 9 / 10 });
    assert.deepEqual(pattern('day'), { shape: '9999-99-99', share: 1 });
    assert.deepEqual(semantic('email'), { type: 'email', share: 1 });
    assert.deepEqual(semantic('ref'), { type: 'uuid', share: 1 });
    assert.deepEqual(semantic('day'), { type: 'date', share: 1 });
    assert.deepEqual(semantic('id'), { type: 'integer', share: 1 });
    assert.deepEqual(semantic('amount'), { type: 'decimal', share: 1 });
    assert.deepEqual(semantic('flag'), { type: 'boolean', share: 1 });
    assert.equal(semantic('code'), null);
  });

  it('profiles an empty dataset and refuses an unknown one', async () => {
    const empty = await createArchivedDataset(t, { columns: COLUMNS, rows: [] });
    const res = await t.request('POST', '/api/v1/quality/profiles', { token, body: { datasetId: empty.datasetId } });
    assert.equal(res.status, 200);
    assert.equal(res.body.rows, 0);
    assert.deepEqual(res.body.columns[0], {
      name: 'id', type: 'integer', nulls: 0, nullPercent: 0, distinct: 0, min: null, max: null, top: [], pattern: null, semanticType: null,
    });
    const unknown = await t.request('POST', '/api/v1/quality/profiles', { token, body: { datasetId: randomUUID() } });
    assert.equal(unknown.status, 422);
    assert.match(unknown.body.message, /does not exist/);
  });

  it('answers 422 with advice when a profile outlasts the analytics statement timeout', async () => {
    const slow = await startTestApp({ 'database.pools.analytics.statementTimeoutMs': 50 });
    try {
      const big = await createArchivedDataset(slow, { columns: [{ name: 'n', type: 'bigint' }, { name: 's', type: 'text' }], rows: [] });
      const client = new pg.Client({ connectionString: slow.dsn });
      await client.connect();
      await client.query(`INSERT INTO ${big.table} SELECT i, md5(i::text) FROM generate_series(1, 1000000) AS i`);
      await client.end();
      const res = await slow.request('POST', '/api/v1/quality/profiles', { token: await slow.login(), body: { datasetId: big.datasetId } });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.match(res.body.message, /takes longer than the analytics statement timeout \(50 ms\); profile it in a check job instead/);
    } finally {
      await slow.close();
    }
  });
});
