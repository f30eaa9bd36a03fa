import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogType, comparable, loadsUnchanged, parseCastType } from './pg-types.ts';

const t = (name: string) => catalogType(name);

describe('PostgreSQL types', () => {
  it('reads the common spellings of the whitelisted types and names them as format_type does', () => {
    const names: Array<[string, string]> = [
      ['int', 'integer'],
      ['INT8', 'bigint'],
      ['decimal( 12 , 2 )', 'numeric(12,2)'],
      ['numeric(5)', 'numeric(5,0)'],
      ['varchar(20)', 'character varying(20)'],
      ['timestamptz', 'timestamp with time zone'],
      ['timestamptz(3)', 'timestamp(3) with time zone'],
      ['timestamp(0) with time zone', 'timestamp(0) with time zone'],
      ['timestamp', 'timestamp without time zone'],
      ['float8', 'double precision'],
      ['bool', 'boolean'],
      ['jsonb', 'jsonb'],
      ['uuid', 'uuid'],
    ];
    for (const [input, name] of names) assert.equal(parseCastType(input)?.name, name, input);
    for (const bad of ['money', 'int; drop table x', 'numeric(2,5)', 'varchar(0)', 'integer(3)', 'timestamp(7)', 'text[]', '"integer"']) {
      assert.equal(parseCastType(bad), undefined, bad);
    }
  });

  it('treats catalog types off the whitelist as opaque', () => {
    const mood = t('mood');
    assert.deepEqual(mood, { name: 'mood', kind: 'other', castable: false });
    assert.equal(t('character(3)').kind, 'other');
  });

  it('knows which values load into which columns and read back unchanged', () => {
    const yes: Array<[string, string]> = [
      ['integer', 'bigint'],
      ['smallint', 'integer'],
      ['integer', 'numeric'],
      ['numeric(10,2)', 'numeric(12,2)'],
      ['numeric(10,2)', 'numeric'],
      ['real', 'double precision'],
      ['json', 'jsonb'],
      ['uuid', 'text'],
      ['mood', 'mood'],
      ['timestamp with time zone', 'character varying(40)'],
    ];
    for (const [from, to] of yes) assert.equal(loadsUnchanged(t(from), t(to)), true, `${from} → ${to}`);
    const no: Array<[string, string]> = [
      ['text', 'integer'],
      ['bigint', 'integer'],
      ['integer', 'numeric(10,2)'],
      ['numeric(10,3)', 'numeric(10,2)'],
      ['numeric(12,2)', 'numeric(10,2)'],
      ['numeric', 'numeric(10,2)'],
      ['double precision', 'real'],
      ['date', 'timestamp with time zone'],
      ['timestamp with time zone', 'timestamp without time zone'],
      ['mood', 'other_enum'],
      ['text', 'character(3)'],
    ];
    for (const [from, to] of no) assert.equal(loadsUnchanged(t(from), t(to)), false, `${from} → ${to}`);
  });

  it('compares numbers with numbers, and otherwise only like with like', () => {
    assert.equal(comparable(t('integer'), t('numeric(5,2)')), true);
    assert.equal(comparable(t('real'), t('bigint')), true);
    assert.equal(comparable(t('text'), t('character varying(5)')), true);
    assert.equal(comparable(t('date'), t('timestamp with time zone')), false);
    assert.equal(comparable(t('mood'), t('mood')), true);
    assert.equal(comparable(t('mood'), t('text')), false);
  });
});
