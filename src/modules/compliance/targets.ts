import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { PiiCategory } from './categories.ts';
import type { DatasetWithPii } from './datasets.ts';

/** A place personal data lives: a column, or a field inside a JSON column. */
export interface PiiTarget {
  column: ArchiveColumn;
  /** Keys inside the column's JSON value; empty for the column itself. */
  jsonPath: string[];
  category: PiiCategory;
}

/**
 * The catalogue entries a request or retention run acts on in one dataset: per category, the
 * entries a person confirmed, or the proposed ones when none of that category is confirmed.
 * Entries whose column the dataset no longer has are left out.
 */
export function effectiveTargets(dataset: DatasetWithPii): PiiTarget[] {
  const present = dataset.pii.flatMap((entry) => {
    const column = dataset.columns.find((c) => c.name === entry.column);
    return column ? [{ entry, target: { column, jsonPath: entry.jsonPath, category: entry.category } }] : [];
  });
  const confirmed = new Set(present.filter((p) => p.entry.status === 'confirmed').map((p) => p.entry.category));
  return present.filter((p) => p.entry.status === 'confirmed' || !confirmed.has(p.entry.category)).map((p) => p.target);
}

/** How a target is named in receipts and responses. */
export const describeTarget = (t: PiiTarget) => ({
  column: t.column.name,
  jsonPath: t.jsonPath.length > 0 ? t.jsonPath : null,
  category: t.category,
});
