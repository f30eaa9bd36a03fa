import { z } from 'zod';
import { expressionColumns, isExpressionError, parseExpression, type Expression } from './expression.ts';

export type Dimension =
  | 'completeness'
  | 'uniqueness'
  | 'validity'
  | 'consistency'
  | 'referential_integrity'
  | 'freshness';

const column = z.string().min(1).max(63);
const bound = z.union([z.string().min(1).max(100), z.number().finite()]);

// Parsed by hand rather than as a recursive zod union, so a malformed node is reported by its path.
const expression = z
  .unknown()
  .transform((value, ctx): Expression => {
    try {
      return parseExpression(value);
    } catch (e) {
      if (!isExpressionError(e)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  })
  .meta({
    description:
      'A comparison {left: column, op: = != < <= > >= , right: {column} | {value}}, or {and: [...]}, {or: [...]}, {not: ...} of them',
  });

/** A rule's kind and parameters, as clients send them and as they are stored. */
export const ruleDefinition = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('not_null'), column }),
  z.strictObject({ kind: z.literal('min_fill_rate'), column, threshold: z.number().min(0).max(1) }),
  z.strictObject({ kind: z.literal('unique'), columns: z.array(column).min(1).max(8) }),
  z.strictObject({ kind: z.literal('regex'), column, pattern: z.string().min(1).max(1000) }),
  z
    .strictObject({ kind: z.literal('range'), column, min: bound.optional(), max: bound.optional() })
    .refine((r) => r.min !== undefined || r.max !== undefined, { message: 'a range needs min, max or both' }),
  z.strictObject({
    kind: z.literal('allowed_values'),
    column,
    values: z.array(z.union([z.string().max(1000), z.number().finite(), z.boolean()])).min(1).max(1000),
  }),
  z.strictObject({ kind: z.literal('expression'), expression }),
  z.strictObject({
    kind: z.literal('references'),
    column,
    /** The archived dataset whose `targetColumn` must hold every non-null value of `column`. */
    datasetId: z.uuid({ message: 'must be an archived dataset id (a UUID)' }),
    targetColumn: column,
  }),
  z.strictObject({
    kind: z.literal('max_age'),
    column,
    maxAgeSeconds: z.number().int().min(1).max(100 * 366 * 86_400),
  }),
]);

export type RuleDefinition = z.infer<typeof ruleDefinition>;
export type RuleKind = RuleDefinition['kind'];

/** The dimension each kind of rule measures. */
export const DIMENSION_OF: Record<RuleKind, Dimension> = {
  not_null: 'completeness',
  min_fill_rate: 'completeness',
  unique: 'uniqueness',
  regex: 'validity',
  range: 'validity',
  allowed_values: 'validity',
  expression: 'consistency',
  references: 'referential_integrity',
  max_age: 'freshness',
};

/** The columns of its own dataset a rule reads. */
export function ruleColumns(rule: RuleDefinition): string[] {
  switch (rule.kind) {
    case 'unique':
      return rule.columns;
    case 'expression':
      return expressionColumns(rule.expression);
    default:
      return [rule.column];
  }
}

/** A name for a rule created without one, e.g. `not_null email`. */
export function defaultRuleName(rule: RuleDefinition): string {
  return `${rule.kind} ${ruleColumns(rule).join(', ')}`.slice(0, 200);
}

/** A rule as the check runs it: stored with the check when it is queued. */
export interface RuleSnapshot {
  id: string;
  name: string;
  dimension: Dimension;
  definition: RuleDefinition;
}
