import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TransformSpec } from './definition.ts';
import { DefinitionError, RowRejected } from './errors.ts';
import { catalogType } from './pg-types.ts';
import { compileTransforms } from './transforms.ts';

const salt = Buffer.from('0123456789abcdef0123456789abcdef');
const compile = (specs: TransformSpec[], input = 'text') =>
  compileTransforms(specs, catalogType(input), { salt, column: 'c', path: 'mapping[0].transforms' });

describe('transforms', () => {
  it('without transforms passes values through, nulls included', () => {
    const t = compile([]);
    assert.equal(t.apply('  x '), '  x ');
    assert.equal(t.apply(null), null);
    assert.equal(t.output.name, 'text');
  });

  it('trim, mask and hash', () => {
    assert.equal(compile([{ type: 'trim' }]).apply(' \t a b \n'), 'a b');
    const mask = compile([{ type: 'mask', keepLast: 4 }]);
    assert.equal(mask.apply('4111111111111111'), '************1111');
    assert.equal(mask.apply('abc'), 'abc');
    // Characters, not UTF-16 units: 𝄞 is one character.
    assert.equal(mask.apply('ä€𝄞xyz12'), '****yz12');
    assert.equal(compile([{ type: 'mask', keepLast: 0 }]).apply('secret'), '******');
    assert.equal(mask.apply(null), null);
    const hash = compile([{ type: 'hash' }]);
    assert.equal(hash.apply('alice@example.com'), createHmac('sha256', salt).update('alice@example.com').digest('hex'));
    assert.match(hash.apply('x')!, /^[0-9a-f]{64}$/);
    assert.notEqual(compileTransforms([{ type: 'hash' }], catalogType('text'), { salt: Buffer.from('other'), column: 'c', path: 'p' }).apply('x'), hash.apply('x'));
    assert.equal(hash.apply(null), null);
    assert.equal(hash.output.name, 'text');
  });

  it('default fills null and empty values, in the type of the values', () => {
    const t = compile([{ type: 'default', value: 'n/a' }]);
    assert.equal(t.apply(null), 'n/a');
    assert.equal(t.apply(''), 'n/a');
    assert.equal(t.apply('x'), 'x');
    assert.equal(compile([{ type: 'cast', to: 'numeric(6,2)' }, { type: 'default', value: 0 }]).apply(null), '0.00');
    assert.throws(() => compile([{ type: 'default', value: 'none' }], 'integer'), (e) => e instanceof DefinitionError && /"none" is not an integer/.test(e.message) && e.path === 'mapping[0].transforms[0].value');
  });

  it('value_map replaces dictionary values and keeps the others; keys are read in the type of the values', () => {
    const t = compile([{ type: 'value_map', map: { A: 'active', I: 'inactive', X: null } }]);
    assert.deepEqual(['A', 'I', 'X', 'Q', null].map((v) => t.apply(v)), ['active', 'inactive', null, 'Q', null]);
    const numeric = compile([{ type: 'value_map', map: { '1.0': 10, '2': 20 } }], 'integer');
    assert.deepEqual(['1', '2', '3'].map((v) => numeric.apply(v)), ['10', '20', '3']);
    assert.throws(() => compile([{ type: 'value_map', map: { yes: 1 } }], 'integer'), /can never|is not an integer/);
  });

  it('cast validates and renders, rejecting the row with the transform and column when a value does not fit', () => {
    const t = compile([{ type: 'trim' }, { type: 'cast', to: 'int' }]);
    assert.equal(t.apply(' 007 '), '7');
    assert.equal(t.output.name, 'integer');
    assert.throws(
      () => t.apply('seven'),
      (e) => e instanceof RowRejected && e.rule === 'cast:c' && /c: "seven" is not an integer/.test(e.message),
    );
    assert.throws(() => compile([{ type: 'cast', to: 'money' }]), (e) => e instanceof DefinitionError && e.path === 'mapping[0].transforms[0].to');
  });

  it('applies transforms in order, each seeing the previous output type', () => {
    const t = compile([{ type: 'value_map', map: { Y: 'true', N: 'false' } }, { type: 'cast', to: 'boolean' }, { type: 'default', value: false }]);
    assert.deepEqual(['Y', 'N', null].map((v) => t.apply(v)), ['t', 'f', 'f']);
    assert.equal(t.output.name, 'boolean');
    const masked = compile([{ type: 'cast', to: 'bigint' }, { type: 'mask', keepLast: 2 }]);
    assert.equal(masked.apply('12345'), '***45');
    assert.equal(masked.output.name, 'text');
  });
});
