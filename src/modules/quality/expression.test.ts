import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpression, expressionColumns, parseExpression } from './expression.ts';

const quote = (name: string) => `t."${name.replaceAll('"', '""')}"`;

describe('consistency expressions', () => {
  it('compiles nested and/or/not to SQL with quoted columns and bound literals', () => {
    const expression = parseExpression({
      and: [
        { left: 'end', op: '>=', right: { column: 'start' } },
        { not: { or: [{ left: 'status', op: '=', right: { value: "x'); DROP TABLE users; --" } }, { left: 'n', op: '!=', right: { value: 3 } }] } },
      ],
    });
    const params: unknown[] = ['earlier'];
    const sql = compileExpression(expression, quote, params);
    assert.equal(sql, '((t."end" >= t."start") AND (NOT ((t."status" = $2) OR (t."n" <> $3))))');
    assert.deepEqual(params, ['earlier', "x'); DROP TABLE users; --", 3]);
    assert.deepEqual(expressionColumns(expression), ['end', 'start', 'status', 'n']);
  });

  it('quotes hostile column names instead of splicing them', () => {
    const expression = parseExpression({ left: 'a" OR 1=1 --', op: '<', right: { value: true } });
    const params: unknown[] = [];
    assert.equal(compileExpression(expression, quote, params), '(t."a"" OR 1=1 --" < $1)');
    assert.deepEqual(params, [true]);
  });

  it('refuses malformed trees with the path of the offending node', () => {
    const deep = (n: number): unknown => (n === 0 ? { left: 'a', op: '=', right: { value: 1 } } : { not: deep(n - 1) });
    const cases: Array<[unknown, RegExp]> = [
      ['a = b', /^expression: must be an object/],
      [{ left: 'a', op: 'LIKE', right: { value: 'x' } }, /^expression\.op: must be one of = != < <= > >=/],
      [{ left: 'a', op: '=', right: 'b' }, /^expression\.right: must be \{column/],
      [{ left: 'a', op: '=', right: { column: 'b', value: 1 } }, /^expression\.right: must be/],
      [{ left: 'a', op: '=', right: { value: null } }, /^expression\.right\.value: must be a string/],
      [{ left: 'a', op: '=', right: { value: { sql: '1' } } }, /^expression\.right\.value/],
      [{ left: '', op: '=', right: { value: 1 } }, /^expression\.left: must be a column name/],
      [{ left: 'a', op: '=' }, /^expression: must be one of/],
      [{ left: 'a', op: '=', right: { value: 1 }, sql: 'x' }, /unknown fields: sql/],
      [{ and: [] }, /^expression\.and: must be a list of 1 to 16/],
      [{ and: [{ left: 'a', op: '=', right: { value: 1 } }], or: [] }, /takes no other fields/],
      [{ or: [{ left: 'a', op: '=', right: { value: 1 } }, 7] }, /^expression\.or\[1\]: must be an object/],
      [deep(8), /nests deeper than 8 levels/],
      [{ or: Array.from({ length: 3 }, () => ({ and: Array.from({ length: 12 }, () => ({ left: 'a', op: '=', right: { value: 1 } })) })) }, /at most 32 comparisons/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseExpression(input), (e: Error) => message.test(e.message), JSON.stringify(input));
    }
    assert.doesNotThrow(() => parseExpression(deep(6)));
  });
});
