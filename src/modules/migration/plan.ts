import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { MigrationDefinition } from './definition.ts';
import { DefinitionError, RowRejected } from './errors.ts';
import { CAST_TYPES, catalogType, loadsUnchanged, parseCastType, type PgType } from './pg-types.ts';
import { compileRules, type BatchRule, type ReferenceLookup, type RowRule, type RuleColumn } from './rules.ts';
import { compileTransforms, type Value } from './transforms.ts';
import { valueCaster } from './values.ts';

/** A column of the target table as the catalog describes it. */
export interface TargetColumn {
  name: string;
  /** format_type() of the column. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Generated or GENERATED ALWAYS AS IDENTITY: cannot be written. */
  readOnly: boolean;
}

/** The target table, or `exists: false` when it has to be created. */
export interface TargetTable {
  exists: boolean;
  columns: TargetColumn[];
  /** Primary key and unique indexes (without predicates or expressions). */
  uniqueKeys: Array<{ primary: boolean; columns: string[] }>;
}

/** One source row on its way through the plan; JSON columns are parsed once, on first use. */
export interface SourceRow {
  fields: ReadonlyArray<string | null>;
  parsed?: unknown[];
}

export interface PlannedColumn {
  name: string;
  type: PgType;
  /** The target value of this column for a source row; throws RowRejected. */
  compute(row: SourceRow): Value;
  /** Position of the source column when the value is that column's, unchanged (its COPY text can be passed on). */
  source?: number;
  /** jsonb filled from values it renders differently (text, json): compared as canonical JSON. */
  reparsed: boolean;
}

/** A definition compiled against its source and target: everything a run needs, checked. */
export interface Plan {
  sourceColumns: ArchiveColumn[];
  columns: PlannedColumn[];
  rowRules: RowRule[];
  batchRules: BatchRule[];
  /** Positions in `columns` of the columns that identify a loaded row. */
  keyIndexes: number[];
  /** Present when the target table does not exist: what to create. */
  create?: { columns: Array<{ name: string; type: PgType }>; key: string[] };
}

export interface PlanInput {
  definition: MigrationDefinition;
  sourceColumns: ArchiveColumn[];
  target: TargetTable;
  references: ReferenceLookup;
  /** Key of the `hash` transform. */
  salt: Buffer;
}

const TEXT = catalogType('text');

function pathValue(row: SourceRow, index: number, path: readonly string[]): Value {
  row.parsed ??= [];
  let value = row.parsed[index];
  if (value === undefined) {
    const text = row.fields[index];
    if (text === null || text === undefined) return null;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new RowRejected(`path:${path.join('.')}`, 'the source value is not valid JSON');
    }
    row.parsed[index] = value;
  }
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return null;
    value = Array.isArray(value) && /^\d+$/.test(key) ? value[Number(key)] : (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.includes('\u0000')) throw new RowRejected(`path:${path.join('.')}`, 'the value holds the character NUL, which PostgreSQL text cannot store');
  return text;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * Checks a definition against the source's columns and the target's table and compiles it;
 * throws DefinitionError naming the first problem. Run at creation (so a bad definition is a
 * 4xx and nothing is created) and again at the start of every run (the schemas may have changed).
 */
export function compilePlan(input: PlanInput): Plan {
  const { definition, sourceColumns, target } = input;
  const create = !target.exists;
  if (create && !definition.target.create) {
    throw new DefinitionError('target.table', `table ${definition.target.table} does not exist on the target; create it first or set create: true`);
  }
  const targetColumns = new Map(target.columns.map((c) => [c.name, c]));
  const sourceNames = sourceColumns.map((c) => c.name);
  const seen = new Set<string>();

  const columns: PlannedColumn[] = definition.mapping.map((m, i) => {
    const path = `mapping[${i}]`;
    if (seen.has(m.target)) throw new DefinitionError(`${path}.target`, `column ${JSON.stringify(m.target)} is mapped twice`);
    seen.add(m.target);
    const from = m.from ?? m.target;
    const sourceIndex = sourceNames.indexOf(from);
    if (sourceIndex === -1) {
      throw new DefinitionError(`${path}.${m.from ? 'from' : 'target'}`, `the source has no column ${JSON.stringify(from)}; it has ${sourceNames.join(', ')}`);
    }
    const sourceType = catalogType(sourceColumns[sourceIndex]!.sourceType);
    if (m.path && sourceType.kind !== 'json') {
      throw new DefinitionError(`${path}.path`, `applies to json columns; ${from} is ${sourceType.name}`);
    }
    const transforms = compileTransforms(m.transforms, m.path ? TEXT : sourceType, { salt: input.salt, column: m.target, path: `${path}.transforms` });
    const flow = transforms.output;

    let type: PgType;
    const declared = m.type === undefined ? undefined : parseCastType(m.type);
    if (m.type !== undefined && !declared) throw new DefinitionError(`${path}.type`, `${JSON.stringify(m.type)} is not a supported column type; use one of ${CAST_TYPES}`);
    if (create) {
      const chosen = declared ?? (flow.castable ? flow : undefined);
      if (!chosen) throw new DefinitionError(`${path}.type`, `${from} is ${flow.name}; give the column a type to create it with (${CAST_TYPES})`);
      type = chosen;
    } else {
      const column = targetColumns.get(m.target);
      if (!column) throw new DefinitionError(`${path}.target`, `${definition.target.table} has no column ${JSON.stringify(m.target)}; it has ${target.columns.map((c) => c.name).join(', ')}`);
      if (column.readOnly) throw new DefinitionError(`${path}.target`, `${m.target} is a generated column and cannot be written`);
      type = catalogType(column.type);
      if (declared && declared.name !== type.name) throw new DefinitionError(`${path}.type`, `is ${declared.name} but the target column is ${type.name}`);
    }
    if (!loadsUnchanged(flow, type)) {
      const hint = type.castable ? `; add { "type": "cast", "to": "${type.name}" } to its transforms` : '';
      throw new DefinitionError(path, `${from} arrives as ${flow.name} but ${m.target} is ${type.name}${hint}`);
    }
    // Text that fits the target only if short enough (varchar(n)) is checked here, per row.
    const fit = type.kind === 'text' && flow.name !== type.name ? valueCaster(type) : undefined;
    const source = m.path
      ? (row: SourceRow) => pathValue(row, sourceIndex, m.path!)
      : (row: SourceRow) => row.fields[sourceIndex] ?? null;
    const apply = transforms.apply;
    return {
      name: m.target,
      type,
      ...(m.path || m.transforms.length > 0 ? {} : { source: sourceIndex }),
      reparsed: type.name === 'jsonb' && flow.name !== 'jsonb',
      compute(row) {
        const value = apply(source(row));
        if (value !== null && fit) {
          try {
            fit(value);
          } catch (e) {
            throw new RowRejected(`type:${m.target}`, `${m.target}: ${(e as Error).message}`);
          }
        }
        return value;
      },
    };
  });

  for (const column of target.columns) {
    if (column.notNull && !column.hasDefault && !column.readOnly && !seen.has(column.name)) {
      throw new DefinitionError('mapping', `target column ${column.name} is NOT NULL and has no default; map a source column to it`);
    }
  }

  const keyNames = definition.target.keyColumns ?? target.uniqueKeys.find((k) => k.primary)?.columns;
  if (!keyNames) {
    throw new DefinitionError(
      'target.keyColumns',
      create
        ? 'name the key columns of the table to create (they identify the loaded rows, for rollback and verification)'
        : `${definition.target.table} has no primary key; name keyColumns that a unique index covers (they identify the loaded rows)`,
    );
  }
  const keyIndexes = keyNames.map((name) => {
    const index = columns.findIndex((c) => c.name === name);
    if (index === -1) throw new DefinitionError('target.keyColumns', `key column ${name} is not mapped; the key of every loaded row must come from the source`);
    if (columns[index]!.type.kind === 'json') throw new DefinitionError('target.keyColumns', `key column ${name} is ${columns[index]!.type.name}, which cannot be a key`);
    return index;
  });
  if (!create && !target.uniqueKeys.some((k) => sameColumns(k.columns, keyNames))) {
    throw new DefinitionError('target.keyColumns', `no primary key or unique index of ${definition.target.table} covers exactly (${keyNames.join(', ')}); rollback needs a key that identifies one row`);
  }

  const ruleColumns = new Map<string, RuleColumn>(columns.map((c, index) => [c.name, { name: c.name, index, type: c.type }]));
  const { rowRules, batchRules } = compileRules(definition.rules, ruleColumns, input.references);
  // The target's NOT NULL columns, checked after the definition's own rules.
  const notNullRules: RowRule[] = columns.flatMap((c, i) =>
    !create && targetColumns.get(c.name)!.notNull
      ? [{ name: `not_null:${c.name}`, check: (values: readonly Value[]) => (values[i] === null ? `${c.name} is null and the target column is NOT NULL` : undefined) }]
      : [],
  );
  const keyRule: RowRule = {
    name: 'key',
    check: (values) => {
      const missing = keyIndexes.find((i) => values[i] === null);
      return missing === undefined ? undefined : `key column ${columns[missing]!.name} is null`;
    },
  };

  return {
    sourceColumns,
    columns,
    rowRules: [keyRule, ...rowRules, ...notNullRules],
    batchRules,
    keyIndexes,
    ...(create ? { create: { columns: columns.map((c) => ({ name: c.name, type: c.type })), key: keyNames } } : {}),
  };
}

/** The values of a rejected source row for the reject store: by column name, JSON columns parsed. */
export function sourceRowJson(plan: Plan, fields: ReadonlyArray<string | null>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  plan.sourceColumns.forEach((c, i) => {
    const v = fields[i] ?? null;
    const json = v !== null && catalogType(c.sourceType).kind === 'json';
    row[c.name] = json ? safeParse(v) : v;
  });
  return row;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

