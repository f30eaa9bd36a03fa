import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHttpError } from '../../http/errors.ts';
import { compileRule, rangeOrderCheck, validateRule, type DatasetRef } from './rule-sql.ts';
import { ruleDefinition } from './rule-spec.ts';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const column = (name: string, type: string) => ({ name, type, sourceType: type });
const people: DatasetRef = {
  id: 'd1',
  table: 'ext_1',
  columns: [column('id', 'bigint'), column('email', 'text'), column('born', 'date'), column('seen', 'timestamp with time zone'), column('payload', 'jsonb')],
};
const orders: DatasetRef = { id: 'd2', table: 'ext_2', columns: [column('person_id', 'bigint')] };
const rule = (input: unknown) => ruleDefinition.parse(input);

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isHttpError(e) && e.status === 422, String(e));
    return e.message;
  }
  assert.fail('expected a 422');
}

describe('rule compilation', () => {
  it('binds every value a rule carries and quotes every identifier', () => {
    const regex = compileRule(rule({ kind: 'regex', column: 'email', pattern: "^x'; DROP" }), people, quote);
    assert.equal(regex.measure, 'SELECT count(*) AS failing FROM archive."ext_1" AS t WHERE t."email" !~ $1');
    assert.equal(regex.samples, 'SELECT to_jsonb(t) AS sample FROM archive."ext_1" AS t WHERE t."email" !~ $1 LIMIT 5');
    assert.deepEqual(regex.params, ["^x'; DROP"]);

    const range = compileRule(rule({ kind: 'range', column: 'born', min: '1900-01-01', max: '2020-12-31' }), people, quote);
    assert.match(range.measure, /WHERE \(t\."born" < \$1::date OR t\."born" > \$2::date\)$/);
    assert.deepEqual(range.params, ['1900-01-01', '2020-12-31']);
    const onlyMax = compileRule(rule({ kind: 'range', column: 'id', max: 10 }), people, quote);
    assert.match(onlyMax.measure, /WHERE \(t\."id" > \$1::numeric\)$/);

    const allowed = compileRule(rule({ kind: 'allowed_values', column: 'email', values: ['a', 'b'] }), people, quote);
    assert.match(allowed.measure, /WHERE t\."email" <> ALL \(\$1\)$/);
    assert.deepEqual(allowed.params, [['a', 'b']]);

    const expression = compileRule(
      rule({ kind: 'expression', expression: { or: [{ left: 'born', op: '<', right: { column: 'seen' } }, { left: 'id', op: '=', right: { value: 0 } }] } }),
      people,
      quote,
    );
    assert.match(expression.measure, /WHERE \(\(t\."born" < t\."seen"\) OR \(t\."id" = \$1\)\) IS FALSE$/);
    assert.deepEqual(expression.params, [0]);

    const references = compileRule(rule({ kind: 'references', column: 'id', datasetId: '00000000-0000-4000-8000-000000000002', targetColumn: 'person_id' }), people, quote, orders);
    assert.match(references.measure, /NOT EXISTS \(SELECT 1 FROM archive\."ext_2" AS r WHERE r\."person_id" = t\."id"\)$/);

    const unique = compileRule(rule({ kind: 'unique', columns: ['email', 'born'] }), people, quote);
    assert.match(unique.measure, /GROUP BY "email", "born" HAVING count\(\*\) > 1\) d$/);
    assert.match(unique.samples, /WHERE \(t\."email", t\."born"\) IN \(SELECT "email", "born" FROM archive\."ext_1" WHERE "email" IS NOT NULL AND "born" IS NOT NULL/);
  });

  it('turns what the statements measured into outcomes', () => {
    const fill = compileRule(rule({ kind: 'min_fill_rate', column: 'email', threshold: 0.5 }), people, quote);
    assert.deepEqual({ ...fill.outcome({ nulls: '2' }, 10), observed: undefined }, { evaluatedRows: 10, failingRows: 2, score: 100, passed: true, observed: undefined });
    const age = compileRule(rule({ kind: 'max_age', column: 'seen', maxAgeSeconds: 60 }), people, quote);
    assert.equal(age.outcome({ newest: null, age_seconds: null }, 3).passed, false);
    assert.equal(age.outcome({ newest: 'x', age_seconds: 5 }, 3).score, 100);
    const notNull = compileRule(rule({ kind: 'not_null', column: 'email' }), people, quote);
    assert.equal(notNull.outcome({ failing: '1' }, 4).score, 75);
  });

  it('refuses unknown columns and unsuitable types with the reason', () => {
    const check = (input: unknown, target?: DatasetRef) => refusal(() => validateRule(rule(input), people, target));
    assert.match(check({ kind: 'not_null', column: 'nope' }), /column "nope" is not in dataset d1; its columns are: id, email, born, seen, payload/);
    assert.match(check({ kind: 'unique', columns: ['id', 'nope'] }), /column "nope"/);
    assert.match(check({ kind: 'expression', expression: { left: 'id', op: '=', right: { column: 'ghost' } } }), /column "ghost"/);
    assert.match(check({ kind: 'regex', column: 'id', pattern: 'x' }), /regex rule needs a text column; column "id" is bigint/);
    assert.match(check({ kind: 'range', column: 'email', min: 1 }), /range rule needs a numeric, date or timestamp column; column "email" is text/);
    assert.match(check({ kind: 'max_age', column: 'id', maxAgeSeconds: 5 }), /max_age rule needs a date or timestamp column/);
    const tagged: DatasetRef = { ...people, columns: [column('tags', 'text[]')] };
    assert.match(
      refusal(() => validateRule(rule({ kind: 'allowed_values', column: 'tags', values: ['{a}'] }), tagged)),
      /allowed_values rule needs a column of single values \(not an array or json\); column "tags" is text\[\]/,
    );
    const ref = { kind: 'references', column: 'id', datasetId: '00000000-0000-4000-8000-000000000002', targetColumn: 'nope' };
    assert.match(check(ref), /dataset 00000000-0000-4000-8000-000000000002 does not exist/);
    assert.match(check(ref, orders), /column "nope" is not in dataset d2; its columns are: person_id/);
    assert.doesNotThrow(() => validateRule(rule({ kind: 'range', column: 'seen', min: '2020-01-01' }), people));
  });

  it('checks the order of range bounds in the column type only when both are given', () => {
    assert.deepEqual(rangeOrderCheck(rule({ kind: 'range', column: 'id', min: 5, max: 1 }), people), {
      text: 'SELECT $1::numeric > $2::numeric AS inverted',
      values: [5, 1],
    });
    assert.equal(rangeOrderCheck(rule({ kind: 'range', column: 'id', min: 5 }), people), null);
  });
});
