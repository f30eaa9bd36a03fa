import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueDetail } from './issue-detail.ts';
import { fillRateOutcome, freshnessOutcome, rowRuleOutcome } from './scoring.ts';

describe('issue details', () => {
  it('says what each kind of rule found', () => {
    assert.equal(
      issueDetail({ kind: 'unique', columns: ['a', 'b'] }, rowRuleOutcome(3, 40)),
      '3 of 40 rows fail the unique rule on "a", "b"',
    );
    assert.equal(
      issueDetail({ kind: 'min_fill_rate', column: 'c', threshold: 0.75 }, fillRateOutcome(1, 3, 0.75)),
      'column "c" is 66.67% filled; the rule asks for at least 75%',
    );
    assert.equal(
      issueDetail({ kind: 'max_age', column: 'at', maxAgeSeconds: 60 }, freshnessOutcome('2020-01-01', 99.6, 60, 5)),
      'the newest "at" (2020-01-01) is 100 s old; the rule allows 60 s',
    );
    assert.equal(
      issueDetail({ kind: 'max_age', column: 'at', maxAgeSeconds: 60 }, freshnessOutcome(null, null, 60, 0)),
      'column "at" holds no value, so the dataset cannot be fresh',
    );
  });
});
