import { unprocessable } from '../../http/errors.ts';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import { isPointInTime, isRangeFamily, RANGE_CAST, typeFamily } from './column-types.ts';
import { compileExpression } from './expression.ts';
import { ruleColumns, type RuleDefinition } from './rule-spec.ts';
import { fillRateOutcome, freshnessOutcome, rowRuleOutcome, type RuleOutcome } from './scoring.ts';

/** An archived dataset as rules see it: its catalogue id, table in schema `archive`, and columns. */
export interface DatasetRef {
  id: string;
  table: string;
  columns: ArchiveColumn[];
}

/** Failing rows kept as examples per rule. */
export const SAMPLE_ROWS = 5;

/**
 * The statements that evaluate one rule. Both take the same `params`: `measure` returns one row
 * that `outcome` turns into the rule's result, `samples` up to SAMPLE_ROWS failing rows as jsonb
 * in a column `sample`.
 */
export interface ScanPlan {
  measure: string;
  samples: string;
  params: unknown[];
  outcome(measured: Record<string, unknown>, total: number): RuleOutcome;
}

export type Quote = (identifier: string) => string;

const columnOf = (dataset: DatasetRef, name: string) => dataset.columns.find((c) => c.name === name);

/**
 * Refuses a rule that cannot apply to its dataset: a column that does not exist, or one whose
 * type does not suit the rule. Throws a 422 HttpError that says which and why.
 */
export function validateRule(rule: RuleDefinition, dataset: DatasetRef, target?: DatasetRef): void {
  const names = dataset.columns.map((c) => c.name).join(', ');
  for (const name of ruleColumns(rule)) {
    if (!columnOf(dataset, name)) throw unprocessable(`column "${name}" is not in dataset ${dataset.id}; its columns are: ${names}`);
  }
  const type = 'column' in rule ? columnOf(dataset, rule.column)!.type : '';
  const family = typeFamily(type);
  const unsuitable = (needs: string) =>
    unprocessable(`a ${rule.kind} rule needs ${needs}; column "${(rule as { column: string }).column}" is ${type}`);
  switch (rule.kind) {
    case 'regex':
      if (family !== 'text') throw unsuitable('a text column');
      break;
    case 'range':
      if (!isRangeFamily(family)) throw unsuitable('a numeric, date or timestamp column');
      break;
    case 'max_age':
      if (!isPointInTime(family)) throw unsuitable('a date or timestamp column');
      break;
    case 'allowed_values':
      if (family === 'array' || family === 'json') throw unsuitable('a column of single values (not an array or json)');
      break;
    case 'references':
      if (!target) throw unprocessable(`dataset ${rule.datasetId} does not exist; reference an archived dataset`);
      if (!columnOf(target, rule.targetColumn)) {
        throw unprocessable(
          `column "${rule.targetColumn}" is not in dataset ${target.id}; its columns are: ${target.columns.map((c) => c.name).join(', ')}`,
        );
      }
      break;
    default:
      break;
  }
}

/** For a range rule with both bounds: a statement whose `inverted` is true when min > max, typed like the column. */
export function rangeOrderCheck(rule: RuleDefinition, dataset: DatasetRef): { text: string; values: unknown[] } | null {
  if (rule.kind !== 'range' || rule.min === undefined || rule.max === undefined) return null;
  const family = typeFamily(columnOf(dataset, rule.column)!.type);
  if (!isRangeFamily(family)) return null;
  const cast = RANGE_CAST[family];
  return { text: `SELECT $1::${cast} > $2::${cast} AS inverted`, values: [rule.min, rule.max] };
}

/**
 * Compiles a validated rule to its statements. Identifiers go through `quote` (the client's
 * escapeIdentifier); every value from the rule is a bound parameter.
 */
export function compileRule(rule: RuleDefinition, dataset: DatasetRef, quote: Quote, target?: DatasetRef): ScanPlan {
  const from = `archive.${quote(dataset.table)} AS t`;
  const col = (name: string) => `t.${quote(name)}`;
  const rows = (predicate: string, params: unknown[]): ScanPlan => ({
    measure: `SELECT count(*) AS failing FROM ${from} WHERE ${predicate}`,
    samples: `SELECT to_jsonb(t) AS sample FROM ${from} WHERE ${predicate} LIMIT ${SAMPLE_ROWS}`,
    params,
    outcome: (m, total) => rowRuleOutcome(Number(m.failing), total),
  });

  switch (rule.kind) {
    case 'not_null':
      return rows(`${col(rule.column)} IS NULL`, []);
    case 'regex':
      return rows(`${col(rule.column)} !~ $1`, [rule.pattern]);
    case 'range': {
      const cast = RANGE_CAST[typeFamily(columnOf(dataset, rule.column)!.type) as keyof typeof RANGE_CAST];
      const params: unknown[] = [];
      const parts: string[] = [];
      if (rule.min !== undefined) parts.push(`${col(rule.column)} < $${params.push(rule.min)}::${cast}`);
      if (rule.max !== undefined) parts.push(`${col(rule.column)} > $${params.push(rule.max)}::${cast}`);
      return rows(`(${parts.join(' OR ')})`, params);
    }
    case 'allowed_values':
      // The list is untyped, so PostgreSQL reads it as an array of the column's own type.
      return rows(`${col(rule.column)} <> ALL ($1)`, [rule.values]);
    case 'expression': {
      const params: unknown[] = [];
      return rows(`${compileExpression(rule.expression, col, params)} IS FALSE`, params);
    }
    case 'references': {
      if (!target) throw new Error(`the dataset a references rule points at (${rule.datasetId}) is missing`);
      const other = `archive.${quote(target.table)} AS r`;
      return rows(
        `${col(rule.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${other} WHERE r.${quote(rule.targetColumn)} = ${col(rule.column)})`,
        [],
      );
    }
    case 'unique': {
      const keys = rule.columns.map(col).join(', ');
      const bare = rule.columns.map(quote).join(', ');
      const present = rule.columns.map((c) => `${quote(c)} IS NOT NULL`).join(' AND ');
      const duplicated = `SELECT ${bare} FROM archive.${quote(dataset.table)} WHERE ${present} GROUP BY ${bare} HAVING count(*) > 1`;
      return {
        measure: `SELECT coalesce(sum(n - 1), 0) AS failing FROM (SELECT count(*) AS n FROM archive.${quote(dataset.table)} WHERE ${present} GROUP BY ${bare} HAVING count(*) > 1) d`,
        samples: `SELECT to_jsonb(t) AS sample FROM ${from} WHERE (${keys}) IN (${duplicated}) ORDER BY ${keys} LIMIT ${SAMPLE_ROWS}`,
        params: [],
        outcome: (m, total) => rowRuleOutcome(Number(m.failing), total),
      };
    }
    case 'min_fill_rate':
      return {
        measure: `SELECT count(*) - count(${col(rule.column)}) AS nulls FROM ${from}`,
        samples: `SELECT to_jsonb(t) AS sample FROM ${from} WHERE ${col(rule.column)} IS NULL LIMIT ${SAMPLE_ROWS}`,
        params: [],
        outcome: (m, total) => fillRateOutcome(Number(m.nulls), total, rule.threshold),
      };
    case 'max_age':
      // A date or a timestamp without zone is read in the session's zone, UTC on every pool.
      return {
        measure: `SELECT max(${col(rule.column)})::text AS newest, extract(epoch FROM now() - max(${col(rule.column)})::timestamptz)::float8 AS age_seconds FROM ${from}`,
        samples: `SELECT to_jsonb(t) AS sample FROM ${from} WHERE ${col(rule.column)} IS NOT NULL ORDER BY ${col(rule.column)} DESC LIMIT ${SAMPLE_ROWS}`,
        params: [],
        outcome: (m, total) =>
          freshnessOutcome(
            (m.newest as string | null) ?? null,
            m.age_seconds === null || m.age_seconds === undefined ? null : Number(m.age_seconds),
            rule.maxAgeSeconds,
            total,
          ),
      };
  }
}
