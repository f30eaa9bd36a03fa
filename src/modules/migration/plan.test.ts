import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { z } from 'zod';
import { migrationDefinition, type MigrationDefinition } from './definition.ts';
import { DefinitionError, RowRejected } from './errors.ts';
import { compilePlan, sourceRowJson, type TargetTable } from './plan.ts';

const src = (name: string, sourceType: string): ArchiveColumn => ({ name, type: sourceType, sourceType });
const sourceColumns = [src('id', 'bigint'), src('record', 'jsonb'), src('name', 'text'), src('wait', 'interval')];
const table: TargetTable = {
  exists: true,
  columns: [
    { name: 'id', type: 'bigint', notNull: true, hasDefault: false, readOnly: false },
    { name: 'city', type: 'character varying(5)', notNull: false, hasDefault: false, readOnly: false },
    { name: 'age', type: 'integer', notNull: true, hasDefault: false, readOnly: false },
    { name: 'name', type: 'text', notNull: false, hasDefault: true, readOnly: false },
  ],
  uniqueKeys: [{ primary: true, columns: ['id'] }],
};
type Over = Partial<z.input<typeof migrationDefinition>>;
const definition = (over: Over = {}): MigrationDefinition =>
  migrationDefinition.parse({
    source: { sourceId: '00000000-0000-4000-8000-000000000001', table: 'src' },
    target: { sourceId: '00000000-0000-4000-8000-000000000002', table: 'public.people' },
    mapping: [
      { target: 'id' },
      { target: 'city', from: 'record', path: ['address', 'city'] },
      { target: 'age', from: 'record', path: ['age'], transforms: [{ type: 'cast', to: 'integer' }] },
    ],
    ...over,
  });
const plan = (over: Over = {}, target = table) =>
  compilePlan({ definition: definition(over), sourceColumns, target, references: () => undefined, salt: Buffer.alloc(32) });
const rowOf = (record: unknown, id = '1') => ({ fields: [id, JSON.stringify(record), 'n', '00:01:00'] });
const values = (p: ReturnType<typeof plan>, record: unknown) => p.columns.map((c) => c.compute(rowOf(record)));
const failing = (p: ReturnType<typeof plan>, v: Array<string | null>) => p.rowRules.find((r) => r.check(v) !== undefined)?.name;

describe('compiling a migration plan', () => {
  it('computes target values through JSON paths and transforms, checking what the target column takes', () => {
    const p = plan();
    assert.deepEqual(values(p, { address: { city: 'Bern' }, age: 42 }), ['1', 'Bern', '42']);
    assert.deepEqual(values(p, { age: '7' }), ['1', null, '7']);
    assert.throws(() => values(p, { address: { city: 'Zürich!' }, age: 1 }), (e) => e instanceof RowRejected && e.rule === 'type:city' && /longer than 5/.test(e.message));
    assert.throws(() => values(p, { age: 'old' }), (e) => e instanceof RowRejected && e.rule === 'cast:age');
    assert.deepEqual(p.keyIndexes, [0]);
    assert.equal(p.create, undefined);
  });

  it('checks the key first, the definition rules next, and the target NOT NULL columns last', () => {
    const p = plan({ rules: [{ type: 'not_null', column: 'age', name: 'age given' }] });
    assert.deepEqual(p.rowRules.map((r) => r.name), ['key', 'age given', 'not_null:id', 'not_null:age']);
    assert.equal(failing(p, [null, 'x', '1']), 'key');
    assert.equal(failing(p, ['1', 'x', null]), 'age given');
    assert.equal(failing(plan(), ['1', 'x', null]), 'not_null:age');
    assert.equal(failing(p, ['1', null, '3']), undefined);
  });

  it('plans the table to create from declared types and the types values arrive in', () => {
    const p = plan(
      {
        target: { sourceId: '00000000-0000-4000-8000-000000000002', table: 'public.fresh', create: true, keyColumns: ['id'] },
        mapping: [{ target: 'id' }, { target: 'label', from: 'name', type: 'varchar(40)' }, { target: 'age', from: 'record', path: ['age'], transforms: [{ type: 'cast', to: 'smallint' }] }],
      },
      { exists: false, columns: [], uniqueKeys: [] },
    );
    assert.deepEqual(p.create, {
      key: ['id'],
      columns: [
        { name: 'id', type: p.columns[0]!.type },
        { name: 'label', type: p.columns[1]!.type },
        { name: 'age', type: p.columns[2]!.type },
      ],
    });
    assert.deepEqual(p.columns.map((c) => c.type.name), ['bigint', 'character varying(40)', 'smallint']);
  });

  it('refuses definitions that cannot run, naming where', () => {
    const refused = (over: Over, path: string, message: RegExp, target = table) =>
      assert.throws(() => plan(over, target), (e) => e instanceof DefinitionError && e.path === path && message.test(e.message), path);
    refused({ mapping: [{ target: 'id', from: 'nope', transforms: [] }] }, 'mapping[0].from', /the source has no column "nope"; it has id, record, name, wait/);
    refused({ mapping: [{ target: 'id', transforms: [] }, { target: 'age', from: 'name', path: ['x'], transforms: [] }] }, 'mapping[1].path', /applies to json columns/);
    refused({ mapping: [{ target: 'id', transforms: [] }, { target: 'age', from: 'id', transforms: [] }] }, 'mapping[1]', /id arrives as bigint but age is integer; add \{ "type": "cast", "to": "integer" \}/);
    refused({ mapping: [{ target: 'id', transforms: [] }] }, 'mapping', /target column age is NOT NULL and has no default/);
    refused({ target: { sourceId: '00000000-0000-4000-8000-000000000002', table: 'public.people', create: false, keyColumns: ['age'] } }, 'target.keyColumns', /no primary key or unique index/);
    refused({}, 'target.table', /does not exist on the target/, { exists: false, columns: [], uniqueKeys: [] });
    refused(
      { target: { sourceId: '00000000-0000-4000-8000-000000000002', table: 'x', create: true, keyColumns: ['id'] }, mapping: [{ target: 'id', transforms: [] }, { target: 'w', from: 'wait', transforms: [] }] },
      'mapping[1].type',
      /wait is interval; give the column a type to create it with/,
      { exists: false, columns: [], uniqueKeys: [] },
    );
    refused(
      { target: { sourceId: '00000000-0000-4000-8000-000000000002', table: 'x', create: true, keyColumns: ['name'] }, mapping: [{ target: 'id', transforms: [] }] },
      'target.keyColumns',
      /key column name is not mapped/,
      { exists: false, columns: [], uniqueKeys: [] },
    );
  });

  it('shows a rejected source row by column name, JSON parsed', () => {
    const p = plan();
    assert.deepEqual(sourceRowJson(p, ['5', '{"a":[1]}', null, '1 day']), { id: '5', record: { a: [1] }, name: null, wait: '1 day' });
  });
});
