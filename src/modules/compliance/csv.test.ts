import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { toCsv } from './csv.ts';

describe('CSV export', () => {
  it('quotes what needs quoting and parses back to the same values', () => {
    const rows = [
      ['1', 'plain', null],
      ['2', 'comma, "quote"', 'multi\nline\r\nend'],
      ['3', '', 'ünïcödé 🚀'],
    ];
    const text = toCsv(['id', 'a', 'b'], rows);
    assert.equal(text.split('\r\n')[0], 'id,a,b');
    assert.equal(text.split('\r\n')[1], '1,plain,');
    const parsed: string[][] = parse(text, { relax_quotes: false });
    assert.deepEqual(parsed, [['id', 'a', 'b'], ...rows.map((r) => r.map((v) => v ?? ''))]);
  });

  it('writes just the header when there are no rows', () => {
    assert.equal(toCsv(['record'], []), 'record\r\n');
  });
});
