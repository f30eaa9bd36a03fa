import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DefinitionError } from './errors.ts';
import { compileExpression, type ExpressionColumn } from './expression.ts';
import { catalogType } from './pg-types.ts';

const columns = new Map<string, ExpressionColumn>([
  ['qty', { index: 0, type: catalogType('integer') }],
  ['price', { index: 1, type: catalogType('numeric(10,2)') }],
  ['start', { index: 2, type: catalogType('date') }],
  ['end', { index: 3, type: catalogType('date') }],
  ['status', { index: 4, type: catalogType('text') }],
  ['doc', { index: 5, type: catalogType('jsonb') }],
  ['mood', { index: 6, type: catalogType('mood') }],
]);
const row = (over: Partial<Record<string, string | null>> = {}) => {
  const base: Record<string, string | null> = { qty: '3', price: '9.50', start: '2024-01-01', end: '2024-02-01', status: 'open', doc: '{}', mood: 'ok', ...over };
  return [...columns.keys()].map((k) => base[k] ?? null);
};
const compile = (tree: unknown) => compileExpression(tree, columns).evaluate;
const refused = (tree: unknown, message: RegExp, path?: string) =>
  assert.throws(
    () => compile(tree),
    (e) => e instanceof DefinitionError && message.test(e.message) && (path === undefined || e.path === path),
    JSON.stringify(tree),
  );
const is = (left: string, op: string, right: unknown) => ({ left, op, right });

describe('cross-field expressions', () => {
  it('compares columns with columns and literals, by type', () => {
    const ordered = compile(is('end', '>=', { column: 'start' }));
    assert.equal(ordered(row()), true);
    assert.equal(ordered(row({ end: '2023-12-31' })), false);
    // Numbers compare by value: 10 > 9.50 although "10" < "9.50" as text.
    assert.equal(compile(is('qty', '>', { column: 'price' }))(row({ qty: '10' })), true);
    assert.equal(compile(is('price', '=', { value: 9.5 }))(row()), true);
    assert.equal(compile(is('price', '>', { value: '9.49' }))(row()), true);
    for (const [op, expected] of [['=', false], ['!=', true], ['<', false], ['<=', false], ['>', true], ['>=', true]] as const) {
      assert.equal(compile(is('status', op, { value: 'closed' }))(row()), expected, op);
    }
    assert.equal(compile(is('mood', '=', { value: 'ok' }))(row()), true);
  });

  it('uses three-valued logic: null makes a comparison unknown, and/or/not treat unknown as SQL does', () => {
    const cmp = is('qty', '>', { value: 1 });
    const unknown = row({ qty: null });
    assert.equal(compile(cmp)(unknown), null);
    assert.equal(compile({ not: cmp })(unknown), null);
    assert.equal(compile({ and: [cmp, is('status', '=', { value: 'x' })] })(unknown), false);
    assert.equal(compile({ and: [cmp, is('status', '=', { value: 'open' })] })(unknown), null);
    assert.equal(compile({ or: [cmp, is('status', '=', { value: 'open' })] })(unknown), true);
    assert.equal(compile({ or: [cmp, is('status', '=', { value: 'x' })] })(unknown), null);
    assert.equal(compile(is('qty', '=', { column: 'qty' }))(unknown), null);
  });

  it('nests and/or/not and reports the columns it reads', () => {
    const tree = { or: [is('status', '=', { value: 'draft' }), { and: [is('qty', '>', { value: 0 }), { not: is('end', '<', { column: 'start' }) }] }] };
    const { evaluate, columns: used } = compileExpression(tree, columns);
    assert.deepEqual(used.sort(), ['end', 'qty', 'start', 'status']);
    assert.equal(evaluate(row()), true);
    assert.equal(evaluate(row({ qty: '0' })), false);
    assert.equal(evaluate(row({ qty: '0', status: 'draft' })), true);
  });

  it('refuses malformed trees with the path of the problem, and nothing that looks like code', () => {
    refused(is('qty', 'LIKE', { value: 1 }), /must be one of = != < <= > >=/, 'expression.op');
    refused({ and: [is('qty', '=', { column: 'ghost' })] }, /unknown column "ghost"/, 'expression.and[0].right.column');
    refused(is('ghost', '=', { value: 1 }), /unknown column "ghost"/, 'expression.left');
    refused({ and: {} }, /list of 1 to 16 expressions/);
    refused({ or: [] }, /list of 1 to 16 expressions/);
    refused({ not: 'qty > 1' }, /must be an object/, 'expression.not');
    refused({ ...is('qty', '=', { value: 1 }), extra: true }, /unknown fields: extra/);
    refused(is('qty', '=', { value: null }), /must be a string/);
    refused(is('qty', '=', { value: { $gt: 1 } }), /must be a string/);
    refused(is('qty', '=', { value: 'many' }), /"many" is not an integer/, 'expression.right.value');
    refused(is('qty', '<', { column: 'status' }), /cannot compare qty \(integer\) with status \(text\)/);
    refused(is('start', '<', { value: 'tomorrow' }), /not a date/);
    refused(is('doc', '=', { value: '{}' }), /cannot be compared/);
    refused(is('mood', '<', { value: 'ok' }), /has no order/);
    refused({ sql: 'DROP TABLE x' }, /must be one of/);
    refused([], /must be an object/);
    let deep: unknown = is('qty', '>', { value: 1 });
    for (let i = 0; i < 10; i++) deep = { not: deep };
    refused(deep, /nests deeper than 8 levels/);
    assert.throws(() => compileExpression(is('x', '=', { value: 1 }), columns, 'rules[2].expression'), (e) => e instanceof DefinitionError && e.path === 'rules[2].expression.left');
  });
});
