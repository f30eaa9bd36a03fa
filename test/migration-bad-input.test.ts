import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from './support/app.ts';
import { createSource } from './support/extractions.ts';
import { sql, startMigrationSetup, type MigrationSetup } from './support/migrations.ts';

describe('migration API: bad definitions are refused before anything is created', () => {
  let setup: MigrationSetup;
  let t: TestApp;
  let token: string;
  let target: { dsn: string };
  let sourceId: string;
  let targetId: string;
  let csvId: string;

  before(async () => {
    setup = await startMigrationSetup({
      sourceSql: `CREATE TABLE src (id bigint PRIMARY KEY, email text, age text, payload jsonb, amount numeric(10,3));
        INSERT INTO src VALUES (1, 'a@example.com', '42', '{"a": 1}', 1.5)`,
      targetSql: `
        CREATE TABLE people (id bigint PRIMARY KEY, email text NOT NULL, age integer, payload jsonb, amount numeric(10,2),
                             tag text NOT NULL DEFAULT 'x', total integer GENERATED ALWAYS AS (age * 2) STORED);
        CREATE TABLE nokey (id bigint, email text);
        CREATE TABLE strict (id bigint PRIMARY KEY, email text, must text NOT NULL);
        CREATE VIEW people_view AS SELECT * FROM people;`,
    });
    ({ t, token, target, sourceId, targetId } = setup);
    const files = path.join(t.dataDir, 'files');
    await mkdir(files, { recursive: true });
    await writeFile(path.join(files, 'x.csv'), 'id,email\n1,a@example.com\n');
    csvId = await createSource(t, token, { name: 'csv', kind: 'csv', path: 'x.csv' });
  });
  after(() => setup?.close());

  const valid = () => ({
    name: 'ok',
    source: { sourceId, table: 'src' },
    target: { sourceId: targetId, table: 'public.people' },
    mapping: [{ target: 'id' }, { target: 'email' }] as unknown[],
    rules: [] as unknown[],
  });
  const expr = (expression: unknown) => ({ ...valid(), rules: [{ type: 'expression', expression }] });

  it('answers 4xx with the reason for each kind of mistake', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      // Shapes (400).
      [{ ...valid(), extra: 1 }, 400, /extra|unrecognized/i],
      [{ ...valid(), name: 'bell\u0007' }, 400, /control characters/],
      [{ ...valid(), mapping: [] }, 400, /mapping/],
      [{ ...valid(), maxRejectRate: 1.5 }, 400, /maxRejectRate/],
      [{ ...valid(), source: { sourceId: 'not-a-uuid', table: 'src' } }, 400, /source/],
      [{ ...valid(), target: { sourceId: targetId, table: 'a; DROP TABLE x' } }, 400, /plain identifier/],
      [{ ...valid(), mapping: [{ target: 'id', transforms: [{ type: 'shout' }] }] }, 400, /type/],
      [{ ...valid(), rules: [{ type: 'range', column: 'id' }] }, 400, /min, max or both/],
      ['{"name": ', 400, /not valid JSON/],
      // Against the source and the target (422).
      [{ ...valid(), source: { sourceId: '00000000-0000-4000-8000-000000000000', table: 'src' } }, 422, /does not exist/],
      [{ ...valid(), source: { sourceId, table: 'missing' } }, 422, /table missing does not exist on the source/],
      [{ ...valid(), source: { sourceId, query: 'SELEC nonsense' } }, 422, /syntax error/],
      [{ ...valid(), target: { sourceId: '00000000-0000-4000-8000-000000000000', table: 'people' } }, 422, /target: data source .* does not exist/],
      [{ ...valid(), target: { sourceId: csvId, table: 'people' } }, 422, /PostgreSQL sources only/],
      [{ ...valid(), target: { sourceId: targetId, table: 'public.nothere' } }, 422, /does not exist on the target; create it first or set create: true/],
      [{ ...valid(), target: { sourceId: targetId, table: 'people_view' } }, 422, /is not a table/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email', from: 'mail' }] }, 422, /the source has no column "mail"/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'ghost', from: 'age' }] }, 422, /has no column "ghost"/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'id' }] }, 422, /mapped twice/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'total', from: 'age' }] }, 422, /generated column/],
      [{ ...valid(), mapping: [{ target: 'id' }] }, 422, /email is NOT NULL and has no default/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age' }] }, 422, /age arrives as text but age is integer; add \{ "type": "cast", "to": "integer" \}/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'amount' }] }, 422, /numeric\(10,3\) but amount is numeric\(10,2\)/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age', transforms: [{ type: 'cast', to: 'money' }] }] }, 422, /cannot cast to "money"; cast targets are/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age', transforms: [{ type: 'cast', to: 'bigint' }, { type: 'mask', keepLast: 2 }] }] }, 422, /arrives as text but age is integer/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age', transforms: [{ type: 'cast', to: 'integer' }, { type: 'default', value: 'none' }] }] }, 422, /"none" is not an integer/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'age', type: 'bigint', transforms: [{ type: 'cast', to: 'integer' }] }] }, 422, /is bigint but the target column is integer/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email', path: ['a'] }] }, 422, /applies to json columns/],
      [{ ...valid(), rules: [{ type: 'not_null', column: 'age' }] }, 422, /unknown column "age"/],
      [{ ...valid(), rules: [{ type: 'regex', column: 'email', pattern: '(unclosed' }] }, 422, /not a valid regular expression/],
      [{ ...valid(), rules: [{ type: 'regex', column: 'email', pattern: '^(a+)+$' }] }, 422, /exponential/],
      [{ ...valid(), rules: [{ type: 'range', column: 'id', min: 10, max: 1 }] }, 422, /min 10 is above max 1/],
      [{ ...valid(), rules: [{ type: 'range', column: 'id', min: 'ten' }] }, 422, /"ten" is not an integer/],
      [{ ...valid(), rules: [{ type: 'referential', column: 'id', table: 'public.nothere', refColumn: 'id' }] }, 422, /public.nothere does not exist on the target/],
      [{ ...valid(), rules: [{ type: 'referential', column: 'id', table: 'nokey', refColumn: 'nope' }] }, 422, /nokey has no column "nope"/],
      [{ ...valid(), mapping: [{ target: 'id' }, { target: 'email' }, { target: 'payload' }], rules: [{ type: 'unique', column: 'payload' }] }, 422, /cannot be compared/],
      [expr({ left: 'email', op: '~~', right: { value: 'x' } }), 422, /rules\[0\]\.expression\.op: must be one of = != < <= > >=/],
      [expr({ and: [] }), 422, /list of 1 to 16 expressions/],
      [expr({ left: 'nope', op: '=', right: { value: 1 } }), 422, /unknown column "nope"/],
      [expr({ left: 'id', op: '=', right: { value: null } }), 422, /rules\[0\]\.expression\.right\.value: must be a string/],
      [expr({ left: 'id', op: '<', right: { column: 'email' } }), 422, /cannot compare id \(bigint\) with email \(text\)/],
      [expr({ left: 'id', op: '=', right: { value: 'x' } }), 422, /"x" is not an integer/],
      [expr({ not: { sql: 'true' } }), 422, /must be one of/],
      [expr({ left: 'id', op: '=', right: { value: 1 }, raw: 'x' }), 422, /unknown fields: raw/],
      [expr(JSON.parse('{"not":'.repeat(40) + '{"left":"id","op":"=","right":{"value":1}}' + '}'.repeat(40))), 422, /nests deeper than 8/],
      [{ ...valid(), target: { sourceId: targetId, table: 'nokey' } }, 422, /has no primary key; name keyColumns/],
      [{ ...valid(), target: { sourceId: targetId, table: 'nokey', keyColumns: ['id'] } }, 422, /no primary key or unique index of nokey covers exactly \(id\)/],
      [{ ...valid(), target: { sourceId: targetId, table: 'people', keyColumns: ['email'] } }, 422, /no primary key or unique index/],
      [{ ...valid(), target: { sourceId: targetId, table: 'strict' } }, 422, /must is NOT NULL and has no default/],
      [{ ...valid(), target: { sourceId: targetId, table: 'public.newtable', create: true } }, 422, /name the key columns/],
      [{ ...valid(), target: { sourceId: targetId, table: 'public.newtable', create: true, keyColumns: ['id'] }, mapping: [{ target: 'id' }, { target: 'payload' }, { target: 'x', from: 'email', type: 'money' }] }, 422, /"money" is not a supported column type/],
    ];
    for (const [body, status, message] of cases) {
      const res = await t.request('POST', '/api/v1/migrations', { token, body });
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message as string, message, JSON.stringify(body).slice(0, 300));
    }
    const list = await t.request('GET', '/api/v1/migrations', { token });
    assert.deepEqual(list.body.items, []);
    const tables = await sql(target.dsn, `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'jivs_meta'`);
    assert.equal(tables.rows[0].n, 0, 'nothing was created on the target');
    assert.equal((await sql(target.dsn, `SELECT to_regclass('public.newtable') AS t`)).rows[0].t, null);
  });

  it('answers 404 for unknown or malformed ids and 409 for actions the state does not allow', async () => {
    for (const url of ['/api/v1/migrations/not-a-uuid', '/api/v1/migrations/00000000-0000-4000-8000-000000000000', '/api/v1/migrations/nope/rejects']) {
      const res = await t.request('GET', url, { token });
      assert.equal(res.status, 404, `${url} → ${res.status}`);
    }
    for (const action of ['start', 'rollback']) {
      const res = await t.request('POST', `/api/v1/migrations/x'; DROP TABLE users; --/${action}`, { token });
      assert.equal(res.status, 404);
    }
    const created = await t.request('POST', '/api/v1/migrations', { token, body: valid() });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'created');
    assert.equal(created.body.phases.extract.status, 'pending');
    const rollback = await t.request('POST', `/api/v1/migrations/${created.body.id}/rollback`, { token });
    assert.equal(rollback.status, 409);
    assert.match(rollback.body.message, /loaded nothing to roll back/);
  });
});
