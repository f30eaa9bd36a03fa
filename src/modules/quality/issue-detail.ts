import { ruleColumns, type RuleDefinition } from './rule-spec.ts';
import { round2, type RuleOutcome } from './scoring.ts';

/** One sentence saying what a rule that did not pass found. */
export function issueDetail(rule: RuleDefinition, outcome: RuleOutcome): string {
  const observed = (outcome.observed ?? {}) as { fillRate?: number; newest?: string | null; ageSeconds?: number | null };
  switch (rule.kind) {
    case 'min_fill_rate':
      return `column "${rule.column}" is ${round2(100 * (observed.fillRate ?? 0))}% filled; the rule asks for at least ${round2(100 * rule.threshold)}%`;
    case 'max_age':
      return observed.newest === null || observed.newest === undefined
        ? `column "${rule.column}" holds no value, so the dataset cannot be fresh`
        : `the newest "${rule.column}" (${observed.newest}) is ${Math.round(observed.ageSeconds ?? 0)} s old; the rule allows ${rule.maxAgeSeconds} s`;
    default:
      return `${outcome.failingRows} of ${outcome.evaluatedRows} rows fail the ${rule.kind} rule on ${ruleColumns(rule)
        .map((c) => `"${c}"`)
        .join(', ')}`;
  }
}
