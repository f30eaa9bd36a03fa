import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateScores, fillRateOutcome, freshnessOutcome, round2, rowRuleOutcome } from './scoring.ts';

describe('quality scores', () => {
  it('scores row rules by the share of rows that pass', () => {
    assert.deepEqual(rowRuleOutcome(2, 10), { evaluatedRows: 10, failingRows: 2, score: 80, passed: false });
    assert.equal(rowRuleOutcome(0, 10).score, 100);
    assert.equal(rowRuleOutcome(0, 10).passed, true);
    assert.equal(rowRuleOutcome(0, 0).score, 100);
    assert.equal(round2(rowRuleOutcome(1, 3).score), 66.67);
  });

  it('gives full marks at the fill-rate threshold and a proportion below it', () => {
    const met = fillRateOutcome(2, 10, 0.8);
    assert.equal(met.passed, true);
    assert.equal(met.score, 100);
    assert.equal(met.failingRows, 2);
    const below = fillRateOutcome(5, 10, 0.8);
    assert.equal(below.passed, false);
    assert.equal(below.score, 100 * (0.5 / 0.8));
    assert.equal(fillRateOutcome(10, 10, 0).score, 100);
    assert.equal(fillRateOutcome(0, 0, 1).passed, true);
  });

  it('treats freshness as pass or fail, and no value as stale', () => {
    assert.deepEqual(
      { ...freshnessOutcome('2025-01-01', 50, 60, 10), observed: undefined },
      { evaluatedRows: 10, failingRows: 0, score: 100, passed: true, observed: undefined },
    );
    const stale = freshnessOutcome('2020-01-01', 61, 60, 10);
    assert.equal(stale.score, 0);
    assert.equal(stale.failingRows, 10);
    assert.equal(freshnessOutcome(null, null, 60, 0).passed, false);
  });

  it('averages rules into dimensions and dimensions into the overall score', () => {
    const scores = aggregateScores([
      { dimension: 'completeness', score: 80 },
      { dimension: 'completeness', score: 100 },
      { dimension: 'uniqueness', score: 90 },
      { dimension: 'validity', score: 70 },
    ]);
    assert.deepEqual(scores.dimensions, { completeness: 90, uniqueness: 90, validity: 70 });
    assert.equal(scores.overall, (90 + 90 + 70) / 3);
    assert.deepEqual(aggregateScores([]), { overall: null, dimensions: {} });
  });
});
