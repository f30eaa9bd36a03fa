import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCastType } from './pg-types.ts';
import { compareValues, equalityKey, formatFloat, isValueError, valueCaster } from './values.ts';

const cast = (type: string, value: string) => valueCaster(parseCastType(type)!)(value);
const refused = (type: string, value: string, message: RegExp) =>
  assert.throws(() => cast(type, value), (e: unknown) => isValueError(e) && message.test((e as Error).message), `${type} ${value}`);

// Expected renderings were taken from PostgreSQL 15 (SELECT '<input>'::<type>, TimeZone UTC, DateStyle ISO, extra_float_digits 1).
describe('values rendered as PostgreSQL renders them', () => {
  it('integers: whole numbers in range, written canonically', () => {
    assert.equal(cast('integer', ' +0042 '), '42');
    assert.equal(cast('int', '-0'), '0');
    assert.equal(cast('bigint', '12.000'), '12');
    assert.equal(cast('bigint', '9223372036854775807'), '9223372036854775807');
    assert.equal(cast('smallint', '1e3'), '1000');
    refused('integer', '1.5', /not a whole number/);
    refused('integer', 'abc', /not an integer/);
    refused('integer', '2147483648', /out of range for integer/);
    refused('smallint', '-32769', /out of range for smallint/);
    refused('bigint', '9223372036854775808', /out of range/);
  });

  it('numeric: display scale kept, typmod rounds half away from zero and bounds the integer digits', () => {
    const plain: Array<[string, string]> = [[' 1.50 ', '1.50'], ['+1', '1'], ['1e3', '1000'], ['1.5e1', '15'], ['.5', '0.5'], ['5.', '5'], ['-0.00', '0.00'], ['0.000001e2', '0.0001'], ['1.23e-3', '0.00123']];
    for (const [input, output] of plain) assert.equal(cast('numeric', input), output, input);
    const scaled: Array<[string, string]> = [[' 1.50 ', '1.50'], ['+1', '1.00'], ['1e3', '1000.00'], ['1.005', '1.01'], ['-1.005', '-1.01'], ['0.000001e2', '0.00'], ['12345678.999', '12345679.00'], ['9.995', '10.00'], ['-0.004', '0.00']];
    for (const [input, output] of scaled) assert.equal(cast('numeric(10,2)', input), output, input);
    refused('numeric(10,2)', '123456789.1', /does not fit numeric\(10,2\)/);
    refused('decimal(4,2)', '99.995', /does not fit/);
    refused('numeric', '1,5', /not a number/);
  });

  it('floats: shortest exact digits, scientific outside PostgreSQL fixed-notation range', () => {
    const double: Array<[string, string]> = [['1e-5', '1e-05'], ['0.0001', '0.0001'], ['123456789012345', '123456789012345'], ['1234567890123456', '1.234567890123456e+15'], ['1e15', '1e+15'], ['0.1', '0.1'], ['1.5e300', '1.5e+300'], ['-0', '-0'], ['1e6', '1000000'], ['NaN', 'NaN'], ['-Infinity', '-Infinity'], ['1e21', '1e+21'], ['1.5e-7', '1.5e-07']];
    for (const [input, output] of double) assert.equal(cast('double precision', input), output, input);
    const real: Array<[string, string]> = [['123456789012345', '1.2345679e+14'], ['0.1', '0.1'], ['3.14159265358979', '3.1415927'], ['0.123456789', '0.12345679'], ['100000', '100000'], ['1e6', '1e+06'], ['1234567', '1.234567e+06'], ['123456', '123456'], ['0.00012345', '0.00012345']];
    for (const [input, output] of real) assert.equal(cast('real', input), output, input);
    refused('real', '1.5e300', /out of range for real/);
    refused('float8', '1e-400', /out of range/);
    assert.equal(formatFloat(12345678, 32), '1.2345678e+07');
  });

  it('booleans, UUIDs and JSON', () => {
    for (const t of ['t', 'TRUE', ' yes ', 'on', '1', 'Y']) assert.equal(cast('bool', t), 't', t);
    for (const f of ['f', 'false', 'NO', 'off', '0']) assert.equal(cast('boolean', f), 'f', f);
    refused('boolean', 'maybe', /not a boolean/);
    assert.equal(cast('uuid', '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(cast('uuid', 'a0eebc999c0b4ef8bb6d6bb9bd380a11'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    refused('uuid', 'a0eebc99', /not a UUID/);
    assert.equal(cast('jsonb', '{"b": 1, "a": [true]}'), '{"b": 1, "a": [true]}');
    refused('jsonb', '{"a": "\\u0000"}', /\\u0000/);
    refused('json', '{a: 1}', /not valid JSON/);
  });

  it('dates and timestamps: ISO input, UTC output, microsecond rounding and the column precision', () => {
    const tz: Array<[string, string]> = [
      ['2024-01-01', '2024-01-01 00:00:00+00'],
      ['2024-01-01 10:00', '2024-01-01 10:00:00+00'],
      ['2024-01-01T10:00:00.5Z', '2024-01-01 10:00:00.5+00'],
      ['2024-01-01 10:00:00.1234567+02', '2024-01-01 08:00:00.123457+00'],
      ['2024-01-01 10:00:00+05:30', '2024-01-01 04:30:00+00'],
      ['0099-01-01', '0099-01-01 00:00:00+00'],
      ['2024-12-31 23:59:59.9999996', '2025-01-01 00:00:00+00'],
      ['2024-01-01 10:00:00-0130', '2024-01-01 11:30:00+00'],
      ['2024-01-01 10:00:00+02:30:15', '2024-01-01 07:29:45+00'],
    ];
    for (const [input, output] of tz) assert.equal(cast('timestamptz', input), output, input);
    assert.equal(cast('timestamp', '2024-01-01 10:00:00.1234567+02'), '2024-01-01 10:00:00.123457');
    assert.equal(cast('timestamp(0) with time zone', '2024-01-01 10:00:00.5'), '2024-01-01 10:00:01+00');
    assert.equal(cast('timestamptz(3)', '2024-01-01 10:00:00.12345'), '2024-01-01 10:00:00.123+00');
    assert.equal(cast('date', '2024-02-29 23:00-05'), '2024-02-29');
    refused('date', '2023-02-29', /not a date/);
    refused('timestamptz', '2024-13-01', /not a timestamp/);
    refused('timestamptz', 'yesterday', /not a timestamp/);
    refused('timestamptz', '9999-12-31 23:00-05', /outside the years 1 to 9999/);
  });

  it('text: NUL refused, varchar(n) counts characters', () => {
    assert.equal(cast('varchar(3)', 'äöü'), 'äöü');
    refused('varchar(3)', 'abcd', /longer than 3 characters/);
    refused('text', 'a\u0000b', /NUL/);
  });

  it('orders numbers by value and other values by their canonical text', () => {
    assert.equal(compareValues('numeric', '10', '9.99'), 1);
    assert.equal(compareValues('numeric', '-10', '-9.99'), -1);
    assert.equal(compareValues('integer', '0', '-0'), 0);
    assert.equal(compareValues('numeric', '1.50', '1.5'), 0);
    assert.equal(compareValues('float', '1e+15', '999999999999999'), 1);
    assert.equal(compareValues('float', 'NaN', 'Infinity'), 1);
    assert.equal(compareValues('float', '-Infinity', '-1e+300'), -1);
    assert.equal(compareValues('timestamptz', '2024-01-01 10:00:00+00', '2024-01-01 10:00:00.5+00'), -1);
    assert.equal(compareValues('date', '2024-01-02', '2024-01-10'), -1);
    assert.equal(compareValues('text', 'b', 'a'), 1);
    assert.equal(equalityKey('numeric', '1.500'), equalityKey('numeric', '1.5'));
    assert.equal(equalityKey('numeric', '2.00'), equalityKey('integer', '2'));
    assert.equal(equalityKey('numeric', '1e+15'), equalityKey('integer', '1000000000000000'));
    assert.notEqual(equalityKey('text', '1.500'), equalityKey('text', '1.5'));
  });
});
