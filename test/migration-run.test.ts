import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from './support/app.ts';
import { sql, startMigrationSetup, tableRows, waitForMigration, type MigrationSetup } from './support/migrations.ts';
import type { Call } from './support/service-process.ts';

const N = 400;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const day = (offset: number) => new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);

/** The source rows, generated here so the test can say independently what must happen to each. */
function sourceRow(i: number) {
  return {
    id: i,
    email: i % 50 === 0 ? null : i % 37 === 0 ? `bad-email-${i}` : `user${i}@example.com`,
    name: `  Person ${i}  `,
    age: i % 41 === 0 ? 'abc' : String(18 + (i % 60)),
    country: i % 43 === 0 ? 'XX' : ['DE', 'FR', 'IT'][i % 3]!,
    amount: (i * 1.125).toFixed(3),
    dept_id: (i % 5) + 1,
    start_date: day(i),
    end_date: i % 47 === 0 ? day(i - 1) : day(i + 10),
    ssn: `123-45-${pad(i, 4)}`,
    phone: `+49 555 ${i}`,
    status: i % 7 === 0 ? null : i % 2 ? 'A' : 'I',
    // Duplicates: of the row before (same chunk), and of a row far back (an earlier chunk).
    code: i % 53 === 0 ? `C-${pad(i - 1, 5)}` : i === 390 ? 'C-00020' : `C-${pad(i, 5)}`,
    created: `2024-03-01 10:${pad(i % 60, 2)}:00+02`,
  };
}

const TARGET_DDL = `
  CREATE TABLE departments (id integer PRIMARY KEY, name text);
  INSERT INTO departments VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four');
  CREATE TABLE people (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    name text,
    age integer,
    country text,
    amount numeric(12,2),
    dept_id integer,
    start_date date,
    end_date date,
    ssn_masked text,
    phone_hash text,
    status text,
    code text UNIQUE,
    created timestamptz,
    note text DEFAULT 'pre-existing default'
  );
  -- Rows that were there before: id 7 collides with a source key, code C-00011 with a source code.
  INSERT INTO people (id, email, name, code) VALUES
    (7, 'old7@example.com', 'old seven', 'OLD-7'),
    (1001, 'old1@example.com', 'old one', 'C-00011'),
    (1002, 'old2@example.com', 'old two', NULL);`;

const MAPPING = [
  { target: 'id' },
  { target: 'email' },
  { target: 'name', transforms: [{ type: 'trim' }] },
  { target: 'age', transforms: [{ type: 'cast', to: 'int' }] },
  { target: 'country' },
  { target: 'amount', transforms: [{ type: 'cast', to: 'numeric(12,2)' }] },
  { target: 'dept_id' },
  { target: 'start_date' },
  { target: 'end_date' },
  { target: 'ssn_masked', from: 'ssn', transforms: [{ type: 'mask', keepLast: 4 }] },
  { target: 'phone_hash', from: 'phone', transforms: [{ type: 'hash' }] },
  { target: 'status', transforms: [{ type: 'value_map', map: { A: 'active', I: 'inactive' } }, { type: 'default', value: 'unknown' }] },
  { target: 'code' },
  { target: 'created', transforms: [{ type: 'cast', to: 'timestamptz' }] },
];

const RULES = [
  { type: 'not_null', column: 'email' },
  { type: 'regex', column: 'email', pattern: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$' },
  { type: 'range', column: 'amount', min: 0, max: 350 },
  { type: 'allowed_values', column: 'country', values: ['DE', 'FR', 'IT'] },
  { type: 'referential', column: 'dept_id', table: 'public.departments', refColumn: 'id' },
  { type: 'expression', name: 'dates in order', expression: { left: 'end_date', op: '>=', right: { column: 'start_date' } } },
  { type: 'unique', column: 'code' },
];

/** Cents of i × 1.125 rounded half away from zero (numeric's rounding), as text with two decimals. */
const amountText = (i: number) => {
  const cents = Math.floor(i * 112.5 + 0.5);
  return `${Math.floor(cents / 100)}.${pad(cents % 100, 2)}`;
};

/** The rule each source row must be rejected for (transforms, the row's rules in order, then referential, key, unique). */
function expectedRejects(): Map<number, string> {
  const rejected = new Map<number, string>();
  const codes = new Set(['OLD-7', 'C-00011']);
  for (let i = 1; i <= N; i++) {
    const r = sourceRow(i);
    let rule: string | undefined;
    if (r.age === 'abc') rule = 'cast:age';
    else if (r.email === null) rule = 'not_null:email';
    else if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/u.test(r.email)) rule = 'regex:email';
    else if (Number(amountText(i)) > 350) rule = 'range:amount';
    else if (r.country === 'XX') rule = 'allowed_values:country';
    else if (r.end_date < r.start_date) rule = 'dates in order';
    // Rules that need other rows or the target come after the row's own rules.
    else if (r.dept_id === 5) rule = 'referential:dept_id';
    else if (i === 7) rule = 'key';
    else if (codes.has(r.code)) rule = 'unique:code';
    if (rule) rejected.set(i, rule);
    else codes.add(r.code);
  }
  return rejected;
}

describe('a migration with transforms, rules, rejects, verification and rollback', () => {
  let setup: MigrationSetup;
  let t: TestApp;
  let target: { dsn: string };
  let sourceId: string;
  let targetId: string;
  let call: Call;

  before(async () => {
    setup = await startMigrationSetup({
      sourceSql: `CREATE TABLE people (id bigint PRIMARY KEY, email text, name text, age text, country text, amount numeric(12,3),
          dept_id integer, start_date date, end_date date, ssn text, phone text, status text, code text, created text)`,
      sourceRows: { table: 'people', rows: Array.from({ length: N }, (_, k) => sourceRow(k + 1)) },
      targetSql: TARGET_DDL,
      // Small chunks: uniqueness and the resume bookkeeping are exercised across chunks.
      config: { 'jobs.checkpointRows': 50 },
    });
    ({ t, target, sourceId, targetId, call } = setup);
  });
  after(() => setup?.close());

  it('loads exactly the rows that pass, stores the rejects with rule and reason, verifies, and rolls back to the prior state', async () => {
    const before = await tableRows(target.dsn, 'public.people');
    const created = await call('POST', '/api/v1/migrations', {
      name: 'people',
      source: { sourceId, table: 'people' },
      target: { sourceId: targetId, table: 'public.people' },
      mapping: MAPPING,
      rules: RULES,
      start: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const done = await waitForMigration(call, id);
    assert.equal(done.status, 'completed', done.error);

    const rejected = expectedRejects();
    const accepted = Array.from({ length: N }, (_, k) => k + 1).filter((i) => !rejected.has(i));
    assert.ok(rejected.size > 50 && accepted.length > 200, 'the data exercises both outcomes');
    assert.deepEqual(done.records, { read: N, migrated: accepted.length, rejected: rejected.size });
    assert.equal(done.successRate, Math.round((accepted.length / N) * 10_000) / 10_000);
    assert.equal(done.verification.match, true);
    assert.equal(done.verification.loaded.rows, accepted.length);
    for (const phase of ['extract', 'transform', 'validate', 'load', 'verify']) assert.equal(done.phases[phase].status, 'completed', phase);
    assert.equal(done.phases.transform.rejected, [...rejected.values()].filter((r) => r.startsWith('cast:')).length);

    // The target: the rows that were there, untouched, plus exactly the accepted rows, transformed.
    const salt = Buffer.from(hkdfSync('sha256', t.app.ctx.secrets.sourceKey, Buffer.alloc(0), 'jivs:migration:hash-salt', 32));
    const expected = [
      ...before,
      ...accepted.map((i) => {
        const r = sourceRow(i);
        const minute = pad(i % 60, 2);
        return [
          String(i),
          r.email!,
          `Person ${i}`,
          r.age,
          r.country,
          amountText(i),
          String(r.dept_id),
          r.start_date,
          r.end_date,
          `*******${pad(i, 4)}`,
          createHmac('sha256', salt).update(r.phone).digest('hex'),
          r.status === null ? 'unknown' : r.status === 'A' ? 'active' : 'inactive',
          r.code,
          `2024-03-01 08:${minute}:00+00`,
          'pre-existing default',
        ];
      }),
    ].sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(await tableRows(target.dsn, 'public.people'), expected);

    // The reject store: every rejected row once, with its rule, a reason, and the source row.
    const all: any[] = [];
    for (let offset = 0; ; offset += 40) {
      const page = await call('GET', `/api/v1/migrations/${id}/rejects?limit=40&offset=${offset}`);
      assert.equal(page.status, 200);
      assert.equal(page.body.total, rejected.size);
      all.push(...page.body.items);
      if (page.body.items.length < 40) break;
    }
    assert.deepEqual(
      all.map((r) => [r.sourceRow.id, r.rule]),
      [...rejected].map(([i, rule]) => [String(i), rule]),
    );
    assert.ok(all.every((r) => typeof r.reason === 'string' && r.reason.length > 0));
    const byRule = (rule: string) => all.find((r) => r.rule === rule);
    assert.match(byRule('cast:age').reason, /"abc" is not an integer/);
    assert.match(byRule('referential:dept_id').reason, /does not exist in public.departments.id/);
    assert.match(byRule('key').reason, /already exists in the target/);
    assert.match(byRule('unique:code').reason, /C-000(11|52)/);
    assert.equal(byRule('cast:age').sourceRow.age, 'abc');
    const filtered = await call('GET', `/api/v1/migrations/${id}/rejects?rule=key`);
    assert.deepEqual(filtered.body.items.map((r: any) => r.sourceRow.id), ['7']);

    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /migration_runs_total\{outcome="completed"\} 1/);
    assert.match(metrics, new RegExp(`migration_records_total\\{result="migrated"\\} ${accepted.length}`));
    assert.match(metrics, new RegExp(`migration_records_total\\{result="rejected"\\} ${rejected.size}`));
    assert.match(metrics, /migration_duration_seconds_count\{outcome="completed"\} 1/);

    const again = await call('POST', `/api/v1/migrations/${id}/start`);
    assert.equal(again.status, 409);

    const rollback = await call('POST', `/api/v1/migrations/${id}/rollback`);
    assert.equal(rollback.status, 202, JSON.stringify(rollback.body));
    const rolled = await waitForMigration(call, id);
    assert.equal(rolled.status, 'rolled_back', rolled.error);
    assert.equal(rolled.rollback.rowsDeleted, accepted.length);
    assert.equal(rolled.phases.load.status, 'rolled_back');
    assert.deepEqual(await tableRows(target.dsn, 'public.people'), before);
    const meta = await sql(target.dsn, `SELECT to_regnamespace('jivs_meta') AS ns`);
    assert.equal(meta.rows[0].ns, null, 'the bookkeeping schema is gone with the last migration that used it');
  });

  it('fails a run that crosses its reject threshold and leaves the target as it was', async () => {
    const before = await tableRows(target.dsn, 'public.people');
    const res = await call('POST', '/api/v1/migrations', {
      name: 'too many rejects',
      source: { sourceId, table: 'people' },
      target: { sourceId: targetId, table: 'public.people' },
      mapping: MAPPING,
      rules: RULES,
      maxRejects: 60,
      start: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const done = await waitForMigration(call, res.body.id);
    assert.equal(done.status, 'failed');
    assert.match(done.error, /more than maxRejects \(60\)/);
    assert.match(done.error, /removed from the target/);
    assert.equal(done.phases.validate.status, 'failed');
    assert.equal(done.phases.load.status, 'rolled_back');
    assert.ok(done.records.rejected > 60);
    assert.equal(done.records.migrated, 0);
    assert.deepEqual(await tableRows(target.dsn, 'public.people'), before);

    // A rate threshold on a table the migration creates: the table is dropped again.
    const rate = await call('POST', '/api/v1/migrations', {
      name: 'rate',
      source: { sourceId, table: 'people' },
      target: { sourceId: targetId, table: 'public.people_copy', create: true, keyColumns: ['id'] },
      mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age', transforms: [{ type: 'cast', to: 'integer' }] }],
      rules: [{ type: 'regex', column: 'email', pattern: '^user1' }],
      maxRejectRate: 0.5,
      start: true,
    });
    assert.equal(rate.status, 201, JSON.stringify(rate.body));
    const failed = await waitForMigration(call, rate.body.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /above maxRejectRate 0.5/);
    assert.match(failed.error, /the table it created/);
    const exists = await sql(target.dsn, `SELECT to_regclass('public.people_copy') AS t`);
    assert.equal(exists.rows[0].t, null);
    assert.deepEqual(await tableRows(target.dsn, 'public.people'), before);
  });

  it('rejects exactly the rows the target itself refuses (a constraint the plan cannot see), in the load phase', async () => {
    await sql(target.dsn, `CREATE TABLE checked (id bigint PRIMARY KEY, dept_id integer CHECK (dept_id <> 3), email text)`);
    const res = await call('POST', '/api/v1/migrations', {
      name: 'checked',
      source: { sourceId, table: 'people' },
      target: { sourceId: targetId, table: 'checked' },
      mapping: [{ target: 'id' }, { target: 'dept_id' }, { target: 'email' }],
      start: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const done = await waitForMigration(call, res.body.id);
    assert.equal(done.status, 'completed', done.error);
    const refused = Array.from({ length: N }, (_, k) => k + 1).filter((i) => sourceRow(i).dept_id === 3);
    assert.deepEqual(done.records, { read: N, migrated: N - refused.length, rejected: refused.length });
    assert.equal(done.phases.load.rejected, refused.length);
    assert.equal(done.verification.match, true);
    const rejects = await call('GET', `/api/v1/migrations/${res.body.id}/rejects?limit=500`);
    assert.deepEqual(rejects.body.items.map((r: any) => Number(r.sourceRow.id)), refused);
    assert.ok(rejects.body.items.every((r: any) => r.rule === 'target' && r.phase === 'load' && /violates check constraint/.test(r.reason)));
    const ids = (await sql(target.dsn, 'SELECT id FROM checked ORDER BY id')).rows.map((r) => Number(r.id));
    assert.deepEqual(ids, Array.from({ length: N }, (_, k) => k + 1).filter((i) => sourceRow(i).dept_id !== 3));
  });

  it('creates the target table from the mapping when asked, and migrates an archived dataset', async () => {
    const extraction = await call('POST', '/api/v1/extractions', { name: 'people archive', sourceId, table: 'people', start: true });
    assert.equal(extraction.status, 201, JSON.stringify(extraction.body));
    let dataset: any;
    for (let k = 0; k < 300 && !dataset; k++) {
      const list = await call('GET', '/api/v1/archive/datasets');
      dataset = list.body.items.find((d: any) => d.extractionId === extraction.body.id);
      if (!dataset) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(dataset, 'the extraction archived the source');
    const res = await call('POST', '/api/v1/migrations', {
      name: 'from the archive',
      source: { datasetId: dataset.id, keyColumns: ['id'] },
      target: { sourceId: targetId, table: 'public.archived_people', create: true, keyColumns: ['id'] },
      mapping: [
        { target: 'id' },
        { target: 'email' },
        { target: 'age', transforms: [{ type: 'cast', to: 'smallint' }] },
        { target: 'amount' },
        { target: 'signed_up', from: 'created', transforms: [{ type: 'cast', to: 'timestamp(0) with time zone' }] },
      ],
      rules: [{ type: 'not_null', column: 'email' }],
      start: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const done = await waitForMigration(call, res.body.id);
    assert.equal(done.status, 'completed', done.error);
    assert.equal(done.verification.match, true);
    const columns = await sql(
      target.dsn,
      `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'public.archived_people'::regclass AND attnum > 0 ORDER BY attnum`,
    );
    assert.deepEqual(
      columns.rows.map((r) => [r.attname, r.type]),
      [['id', 'bigint'], ['email', 'text'], ['age', 'smallint'], ['amount', 'numeric(12,3)'], ['signed_up', 'timestamp(0) with time zone']],
    );
    const loaded = await sql(target.dsn, 'SELECT count(*)::int AS n FROM public.archived_people');
    const expected = Array.from({ length: N }, (_, k) => sourceRow(k + 1)).filter((r) => r.email !== null && r.age !== 'abc').length;
    assert.equal(loaded.rows[0].n, expected);

    const rollback = await call('POST', `/api/v1/migrations/${res.body.id}/rollback`);
    assert.equal(rollback.status, 202);
    const rolled = await waitForMigration(call, res.body.id);
    assert.equal(rolled.status, 'rolled_back', rolled.error);
    assert.equal(rolled.rollback.tableDropped, true);
    assert.equal((await sql(target.dsn, `SELECT to_regclass('public.archived_people') AS t`)).rows[0].t, null);
  });
});
