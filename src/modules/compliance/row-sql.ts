import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import { ERASED_TEXT, normaliseSql, subjectKeysOf, type Subject } from './categories.ts';
import { isJsonColumn } from './datasets.ts';
import type { PiiTarget } from './targets.ts';

/**
 * Pieces of the statements that find, erase, anonymise and rectify archived rows. Identifiers
 * only pass through `escape` (the client's escapeIdentifier); every value, JSON path included,
 * is a bind parameter. Row expressions use the table alias `t`.
 */

/** Collects bind values and hands out their placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export type Escape = (identifier: string) => string;

/** A value a rectification may write. */
export type Scalar = string | number | boolean | null;

const TEXT_TYPES = new Set(['text', 'character varying', 'citext']);
const ERASED_JSON = JSON.stringify(ERASED_TEXT);

const column = (c: ArchiveColumn, escape: Escape) => `t.${escape(c.name)}`;
// jsonb functions work on json columns through a cast; the result is cast back on assignment.
const asJsonb = (c: ArchiveColumn, escape: Escape) => `${column(c, escape)}${c.type === 'json' ? '::jsonb' : ''}`;
const fromJsonb = (c: ArchiveColumn, expression: string) => (c.type === 'json' ? `(${expression})::json` : expression);

/** The text of a target's value. */
function textOf(target: PiiTarget, params: SqlParams, escape: Escape): string {
  if (!isJsonColumn(target.column)) return `${column(target.column, escape)}::text`;
  return `(${column(target.column, escape)} #>> ${params.add(target.jsonPath)}::text[])`;
}

/**
 * Rows holding any of the subject's identifiers in a target of the identifier's category;
 * undefined when no target of this dataset can hold any of them.
 */
export function subjectPredicate(targets: readonly PiiTarget[], subject: Subject, params: SqlParams, escape: Escape): string | undefined {
  const terms: string[] = [];
  for (const target of targets) {
    for (const key of subjectKeysOf(target.category)) {
      const value = subject[key];
      if (value === undefined) continue;
      terms.push(`${normaliseSql(key, textOf(target, params, escape))} = ${normaliseSql(key, `${params.add(value)}::text`)}`);
    }
  }
  return terms.length > 0 ? `(${terms.join(' OR ')})` : undefined;
}

/** Targets grouped by column, keeping the first-seen column order. */
function byColumn(targets: readonly PiiTarget[]): Map<string, { column: ArchiveColumn; paths: string[][] }> {
  const groups = new Map<string, { column: ArchiveColumn; paths: string[][] }>();
  for (const t of targets) {
    const group = groups.get(t.column.name) ?? { column: t.column, paths: [] };
    if (!group.paths.some((p) => JSON.stringify(p) === JSON.stringify(t.jsonPath))) group.paths.push(t.jsonPath);
    groups.set(t.column.name, group);
  }
  return groups;
}

/** `col = ...` assignments that replace every target's value: text with `[erased]`, other types with NULL. */
export function anonymiseAssignments(targets: readonly PiiTarget[], params: SqlParams, escape: Escape): string[] {
  return [...byColumn(targets).values()].map(({ column: c, paths }) => {
    const name = escape(c.name);
    // A NULL stays NULL: there was nothing to erase, and `[erased]` would claim there was.
    if (!isJsonColumn(c)) {
      return `${name} = ${TEXT_TYPES.has(c.type) ? `CASE WHEN ${column(c, escape)} IS NULL THEN NULL ELSE ${params.add(ERASED_TEXT)} END` : 'NULL'}`;
    }
    if (paths.some((p) => p.length === 0)) return `${name} = NULL`;
    const replaced = paths.reduce(
      (doc, path) => `compliance_jsonb_replace(${doc}, ${params.add(path)}::text[], ${params.add(ERASED_JSON)}::jsonb)`,
      asJsonb(c, escape),
    );
    return `${name} = ${fromJsonb(c, replaced)}`;
  });
}

/** Rows where some target still holds a value that anonymisation would replace. */
export function notAnonymisedPredicate(targets: readonly PiiTarget[], params: SqlParams, escape: Escape): string {
  const terms = [...byColumn(targets).values()].flatMap(({ column: c, paths }) => {
    const col = column(c, escape);
    if (!isJsonColumn(c)) {
      return [TEXT_TYPES.has(c.type) ? `coalesce(${col} <> ${params.add(ERASED_TEXT)}, false)` : `${col} IS NOT NULL`];
    }
    if (paths.some((p) => p.length === 0)) return [`${col} IS NOT NULL`];
    return paths.map(
      (path) => `coalesce((${asJsonb(c, escape)} #> ${params.add(path)}::text[]) <> ${params.add(ERASED_JSON)}::jsonb, false)`,
    );
  });
  return `(${terms.join(' OR ')})`;
}

/**
 * `col = ...` assignments of a rectification in one dataset: a key that names a column sets
 * it; other keys (dotted for nested fields) set that field in each JSON column where it exists.
 */
export function rectifyAssignments(
  columns: readonly ArchiveColumn[],
  changes: Readonly<Record<string, Scalar>>,
  params: SqlParams,
  escape: Escape,
): string[] {
  const assignments: string[] = [];
  const fieldChanges = Object.entries(changes).filter(([key]) => !columns.some((c) => c.name === key));
  for (const c of columns) {
    if (Object.hasOwn(changes, c.name)) {
      const value = changes[c.name] ?? null;
      assignments.push(`${escape(c.name)} = ${params.add(value === null ? null : String(value))}`);
    } else if (isJsonColumn(c) && fieldChanges.length > 0) {
      const updated = fieldChanges.reduce(
        (doc, [key, value]) =>
          `compliance_jsonb_replace(${doc}, ${params.add(key.split('.'))}::text[], ${params.add(JSON.stringify(value))}::jsonb)`,
        asJsonb(c, escape),
      );
      assignments.push(`${escape(c.name)} = ${fromJsonb(c, updated)}`);
    }
  }
  return assignments;
}
