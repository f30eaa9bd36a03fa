import type pg from 'pg';
import { comparesByValue, isOrdered, typeFamily } from './column-types.ts';
import { dominantShape, guessSemanticType, type SemanticType } from './patterns.ts';
import type { DatasetRef } from './rule-sql.ts';
import { round2 } from './scoring.ts';

/** Non-null values per column that patterns are inferred from: the first ones the scan meets. */
const PATTERN_SAMPLE = 1000;
const TOP_VALUES = 5;

export interface ColumnProfile {
  name: string;
  type: string;
  nulls: number;
  /** Share of rows that are NULL, in percent (two decimals). */
  nullPercent: number;
  distinct: number;
  /** Smallest and largest value as text; null for types without an order, or without values. */
  min: string | null;
  max: string | null;
  /** The most frequent values (as text) with their counts, most frequent first. */
  top: Array<{ value: string; count: number }>;
  /** Most common shape of the sample: letters → A, digits → 9, other characters kept. */
  pattern: { shape: string; share: number } | null;
  /** What the sample looks like, when at least 90% of it agrees. */
  semanticType: { type: SemanticType; share: number } | null;
}

export interface DatasetProfile {
  datasetId: string;
  rows: number;
  patternSample: number;
  profiledAt: string;
  columns: ColumnProfile[];
}

/**
 * Profiles every column of a dataset: one scan for counts, distinct counts and min/max of all
 * columns, then one statement per column for its top values and pattern sample. Each statement
 * is bounded by the session's statement timeout.
 */
export async function profileDataset(client: pg.PoolClient, dataset: DatasetRef): Promise<DatasetProfile> {
  const quote = (name: string) => client.escapeIdentifier(name);
  const from = `archive.${quote(dataset.table)} AS t`;
  const columns = dataset.columns.map((c, i) => {
    const family = typeFamily(c.type);
    const ref = `t.${quote(c.name)}`;
    return { ...c, i, ref, ordered: isOrdered(family), grouped: comparesByValue(family) ? ref : `${ref}::text` };
  });

  const aggregates = columns.flatMap((c) => [
    `count(${c.ref}) AS n${c.i}`,
    `count(DISTINCT ${c.grouped}) AS d${c.i}`,
    ...(c.ordered ? [`min(${c.ref})::text AS lo${c.i}`, `max(${c.ref})::text AS hi${c.i}`] : []),
  ]);
  const { rows } = await client.query<Record<string, string | null>>(
    `SELECT ${['count(*) AS total', ...aggregates].join(', ')} FROM ${from}`,
  );
  const stats = rows[0]!;
  const total = Number(stats.total);

  const profiles: ColumnProfile[] = [];
  for (const c of columns) {
    const { rows: detail } = await client.query<{ top: Array<{ value: string; count: number }>; sample: string[] }>(
      `SELECT
         (SELECT coalesce(jsonb_agg(jsonb_build_object('value', v, 'count', n) ORDER BY n DESC, v), '[]')
            FROM (SELECT ${c.ref}::text AS v, count(*) AS n FROM ${from} WHERE ${c.ref} IS NOT NULL
                   GROUP BY ${c.grouped} ORDER BY n DESC, v LIMIT ${TOP_VALUES}) top) AS top,
         (SELECT coalesce(array_agg(v), '{}')
            FROM (SELECT ${c.ref}::text AS v FROM ${from} WHERE ${c.ref} IS NOT NULL LIMIT ${PATTERN_SAMPLE}) s) AS sample`,
    );
    const { top, sample } = detail[0]!;
    const nulls = total - Number(stats[`n${c.i}`]);
    const shape = dominantShape(sample);
    const semantic = guessSemanticType(sample);
    profiles.push({
      name: c.name,
      type: c.type,
      nulls,
      nullPercent: total === 0 ? 0 : round2((100 * nulls) / total),
      distinct: Number(stats[`d${c.i}`]),
      min: c.ordered ? (stats[`lo${c.i}`] ?? null) : null,
      max: c.ordered ? (stats[`hi${c.i}`] ?? null) : null,
      top,
      pattern: shape ? { shape: shape.value, share: shape.share } : null,
      semanticType: semantic ? { type: semantic.value, share: semantic.share } : null,
    });
  }
  return { datasetId: dataset.id, rows: total, patternSample: PATTERN_SAMPLE, profiledAt: new Date().toISOString(), columns: profiles };
}
