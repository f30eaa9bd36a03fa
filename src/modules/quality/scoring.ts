import type { Dimension } from './rule-spec.ts';

/**
 * How a check scores a dataset (0 to 100, higher is better). The same text is the API's
 * description of check runs, so the code and the documentation cannot drift apart.
 *
 * - Row rules (not_null, unique, regex, range, allowed_values, expression, references):
 *   score = 100 × (1 − failing / total), total = the dataset's rows; an empty dataset scores 100.
 *   unique: every row beyond the first of a duplicated key fails (keys with a NULL never clash,
 *   as in a UNIQUE constraint). regex, range, allowed_values, expression and references judge
 *   only present values: a NULL does not fail them (completeness rules judge NULLs), and an
 *   expression fails a row only when it is false, as a CHECK constraint does.
 * - min_fill_rate: fill = non-null rows / total (1 for an empty dataset). Passes when
 *   fill ≥ threshold; score = 100 × min(1, fill / threshold): full marks at the threshold,
 *   proportional below it. Failing rows = the rows where the column is NULL.
 * - max_age: pass or fail. 100 when the newest value is at most maxAgeSeconds old, else 0 and
 *   every row counts as failing (the dataset as a whole is stale); no value at all is stale.
 * - A dimension's score is the mean of its rules' scores; the overall score is the mean of the
 *   scores of the dimensions that have rules, so each dimension weighs the same however many
 *   rules it has.
 */
export const SCORE_FORMULA =
  'Scores run from 0 to 100. Row rules (not_null, unique, regex, range, allowed_values, expression, references): ' +
  '100 × (1 − failing rows / total rows); an empty dataset scores 100; unique counts every row beyond the first of a ' +
  'duplicated key; validity, consistency and referential rules judge only non-NULL values (an expression fails a row ' +
  'only when it is false). min_fill_rate: 100 × min(1, fill rate / threshold), passing when fill rate ≥ threshold. ' +
  'max_age: 100 when the newest value is at most maxAgeSeconds old, else 0. A dimension scores the mean of its ' +
  "rules' scores; overall is the mean of the scores of the dimensions that have rules.";

/** What one rule measured in one check. */
export interface RuleOutcome {
  evaluatedRows: number;
  failingRows: number;
  score: number;
  passed: boolean;
  observed?: Record<string, unknown>;
}

export function rowRuleOutcome(failing: number, total: number): RuleOutcome {
  return {
    evaluatedRows: total,
    failingRows: failing,
    score: total === 0 ? 100 : 100 * (1 - failing / total),
    passed: failing === 0,
  };
}

export function fillRateOutcome(nulls: number, total: number, threshold: number): RuleOutcome {
  const fillRate = total === 0 ? 1 : (total - nulls) / total;
  return {
    evaluatedRows: total,
    failingRows: nulls,
    score: threshold === 0 ? 100 : 100 * Math.min(1, fillRate / threshold),
    passed: fillRate >= threshold,
    observed: { fillRate, threshold },
  };
}

/** `newest` and `ageSeconds` are null when the column holds no value at all. */
export function freshnessOutcome(
  newest: string | null,
  ageSeconds: number | null,
  maxAgeSeconds: number,
  total: number,
): RuleOutcome {
  const passed = ageSeconds !== null && ageSeconds <= maxAgeSeconds;
  return {
    evaluatedRows: total,
    failingRows: passed ? 0 : total,
    score: passed ? 100 : 0,
    passed,
    observed: { newest, ageSeconds, maxAgeSeconds },
  };
}

export interface Scores {
  /** Null when no rule was scored. */
  overall: number | null;
  dimensions: Partial<Record<Dimension, number>>;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Dimension scores (means of their rules) and the overall score (mean of the dimensions). */
export function aggregateScores(results: ReadonlyArray<{ dimension: Dimension; score: number }>): Scores {
  const byDimension = new Map<Dimension, number[]>();
  for (const r of results) byDimension.set(r.dimension, [...(byDimension.get(r.dimension) ?? []), r.score]);
  const dimensions: Partial<Record<Dimension, number>> = {};
  for (const [dimension, scores] of byDimension) dimensions[dimension] = mean(scores);
  const values = Object.values(dimensions);
  return { overall: values.length > 0 ? mean(values) : null, dimensions };
}

/** Scores and percentages as the API shows them: two decimals. */
export const round2 = (value: number) => Math.round(value * 100) / 100;
