import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleSpec } from './definition.ts';
import { DefinitionError } from './errors.ts';
import { catalogType, type PgType } from './pg-types.ts';
import { compileRules, type RuleColumn } from './rules.ts';

const columns = new Map<string, RuleColumn>(
  (
    [
      ['email', 'text'],
      ['amount', 'numeric(10,2)'],
      ['born', 'date'],
      ['country', 'text'],
      ['dept', 'integer'],
      ['doc', 'jsonb'],
    ] as const
  ).map(([name, type], index) => [name, { name, index, type: catalogType(type) }]),
);
const departments = new Map<string, PgType>([['id', catalogType('bigint')], ['code', catalogType('text')]]);
const references = (table: string) => (table === 'public.departments' ? departments : undefined);
const row = (over: Partial<Record<string, string | null>> = {}) => {
  const base: Record<string, string | null> = { email: 'a@example.com', amount: '10.00', born: '1990-05-01', country: 'DE', dept: '1', doc: '{}', ...over };
  return [...columns.keys()].map((k) => base[k] ?? null);
};
const one = (spec: RuleSpec) => {
  const compiled = compileRules([spec], columns, references);
  return compiled.rowRules[0] ?? compiled.batchRules[0]!;
};
const check = (spec: RuleSpec, values: Array<string | null>) => {
  const rule = one(spec);
  assert.ok('check' in rule);
  return rule.check(values);
};

describe('validation rules', () => {
  it('not_null', () => {
    assert.equal(check({ type: 'not_null', column: 'email' }, row()), undefined);
    assert.equal(check({ type: 'not_null', column: 'email' }, row({ email: null })), 'email is null');
  });

  it('regex passes nulls (like a CHECK constraint) and names the value that does not match', () => {
    const spec: RuleSpec = { type: 'regex', column: 'email', pattern: '^[a-z]+@example\\.com$', flags: '' };
    assert.equal(check(spec, row()), undefined);
    assert.equal(check(spec, row({ email: null })), undefined);
    assert.match(check(spec, row({ email: 'A@example.com' }))!, /email "A@example.com" does not match/);
    assert.equal(check({ ...spec, flags: 'i' }, row({ email: 'A@example.com' })), undefined);
  });

  it('range compares numbers and dates by value, bounds read in the column type', () => {
    const amount: RuleSpec = { type: 'range', column: 'amount', min: 0, max: '99.5' };
    assert.equal(check(amount, row({ amount: '99.50' })), undefined);
    assert.match(check(amount, row({ amount: '100.00' }))!, /above the maximum 99.50/);
    assert.match(check(amount, row({ amount: '-0.01' }))!, /below the minimum 0.00/);
    assert.equal(check(amount, row({ amount: null })), undefined);
    const born: RuleSpec = { type: 'range', column: 'born', min: '1900-01-01', max: '2024-12-31 10:00' };
    assert.equal(check(born, row()), undefined);
    assert.match(check(born, row({ born: '1899-12-31' }))!, /below the minimum 1900-01-01/);
    assert.throws(() => one({ type: 'range', column: 'born', min: 'last year' }), (e) => e instanceof DefinitionError && e.path === 'rules[0].min');
    assert.throws(() => one({ type: 'range', column: 'doc', min: 1 }), /has no order/);
  });

  it('allowed_values compares in the column type', () => {
    const spec: RuleSpec = { type: 'allowed_values', column: 'amount', values: [10, '20.5'] };
    assert.equal(check(spec, row({ amount: '10.00' })), undefined);
    assert.equal(check(spec, row({ amount: '20.50' })), undefined);
    assert.match(check(spec, row({ amount: '11.00' }))!, /"11.00" is not one of 10.00, 20.50/);
    assert.match(check({ type: 'allowed_values', column: 'country', values: ['DE', 'FR'] }, row({ country: 'de' }))!, /not one of DE, FR/);
  });

  it('expression rules fail only when the condition is false', () => {
    const spec: RuleSpec = { type: 'expression', name: 'positive', expression: { left: 'amount', op: '>', right: { value: 0 } } };
    assert.equal(one(spec).name, 'positive');
    assert.equal(check(spec, row()), undefined);
    assert.equal(check(spec, row({ amount: null })), undefined);
    assert.equal(check(spec, row({ amount: '0.00' })), 'the condition is false for amount="0.00"');
    assert.equal(one({ ...spec, name: undefined }).name, 'expression:1');
  });

  it('unique and referential are batch rules, checked against the target', () => {
    const unique = one({ type: 'unique', column: 'email' });
    assert.deepEqual({ ...unique, column: undefined }, { kind: 'unique', name: 'unique:email', column: undefined });
    const ref = one({ type: 'referential', column: 'dept', table: 'public.departments', refColumn: 'id' });
    assert.ok('kind' in ref && ref.kind === 'referential' && ref.refType.name === 'bigint');
    assert.ok(one({ type: 'referential', column: 'dept', table: 'public.departments', refColumn: 'code' }), 'any value can be looked up in a text column');
    assert.throws(() => one({ type: 'referential', column: 'dept', table: 'public.nope', refColumn: 'id' }), /does not exist on the target/);
    assert.throws(() => one({ type: 'referential', column: 'dept', table: 'public.departments', refColumn: 'nope' }), /has no column "nope"; it has id, code/);
    assert.throws(() => one({ type: 'referential', column: 'born', table: 'public.departments', refColumn: 'id' }), /cannot be looked up/);
    assert.throws(() => one({ type: 'unique', column: 'doc' }), /cannot be compared/);
  });

  it('refuses rules on columns the mapping does not produce', () => {
    assert.throws(() => one({ type: 'not_null', column: 'ghost' }), (e) => e instanceof DefinitionError && e.path === 'rules[0].column' && /unknown column "ghost"/.test(e.message));
  });
});
