import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqlOperation } from './query-spans.ts';

describe('sqlOperation', () => {
  it('names the statement by its first keyword, past comments, blanks and parentheses', () => {
    const cases: Array<[string, string | undefined]> = [
      ['SELECT 1', 'SELECT'],
      ['  select * from t', 'SELECT'],
      ['-- Takes the job\nUPDATE extraction_jobs SET x = 1', 'UPDATE'],
      ['-- one\n-- two\n  INSERT INTO t VALUES ($1)', 'INSERT'],
      ['/* a\n block */ DELETE FROM t', 'DELETE'],
      ['\n    WITH ins AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM ins', 'WITH'],
      ['(SELECT 1) UNION (SELECT 2)', 'SELECT'],
      ['BEGIN', 'BEGIN'],
      ['SET LOCAL statement_timeout = 0', 'SET'],
      ['', undefined],
      ['-- only a comment', undefined],
      ['$1', undefined],
    ];
    for (const [text, operation] of cases) assert.equal(sqlOperation(text), operation, JSON.stringify(text));
  });
});
