import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparesByValue, isOrdered, isPointInTime, isRangeFamily, typeFamily } from './column-types.ts';

describe('column type families', () => {
  it('reads format_type names with and without modifiers', () => {
    const cases: Array<[string, string]> = [
      ['integer', 'numeric'],
      ['bigint', 'numeric'],
      ['numeric(38,18)', 'numeric'],
      ['numeric(10, 2)', 'numeric'],
      ['double precision', 'numeric'],
      ['date', 'date'],
      ['timestamp without time zone', 'timestamp'],
      ['timestamp(3) without time zone', 'timestamp'],
      ['timestamp with time zone', 'timestamptz'],
      ['TIMESTAMP(6) WITH TIME ZONE', 'timestamptz'],
      ['character varying(20)', 'text'],
      ['character(2)', 'text'],
      ['text', 'text'],
      ['integer[]', 'array'],
      ['jsonb', 'jsonb'],
      ['json', 'json'],
      ['point', 'other'],
      ['mood', 'other'],
    ];
    for (const [type, family] of cases) assert.equal(typeFamily(type), family, type);
  });

  it('says which families suit ranges, ages, min/max and comparisons by value', () => {
    assert.ok(isRangeFamily('numeric') && isRangeFamily('date') && isRangeFamily('timestamptz'));
    assert.ok(!isRangeFamily('text') && !isRangeFamily('boolean'));
    assert.ok(isPointInTime('date') && isPointInTime('timestamp') && !isPointInTime('time'));
    assert.ok(isOrdered('text') && !isOrdered('uuid') && !isOrdered('json'));
    assert.ok(comparesByValue('jsonb') && !comparesByValue('json') && !comparesByValue('array'));
  });
});
