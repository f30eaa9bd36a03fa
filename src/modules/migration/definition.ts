import { z } from 'zod';
import { hasControlCharacters, nameText } from '../../http/text.ts';
import { extractionSpec } from '../extraction/spec.ts';

/**
 * What a migration is, as the API takes it and the database stores it. The shapes are checked
 * here; what depends on the source, the target and the types (columns exist, casts fit, the
 * expression is well-formed) is checked by the plan compiler before anything is created.
 */

const columnName = z
  .string()
  .min(1)
  .max(63)
  .refine((s) => !hasControlCharacters(s), 'must not contain control characters');

/** `table` or `schema.table`, each part a plain identifier (the extraction engine's rule). */
const tableName = extractionSpec.shape.table.unwrap();

const scalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);

const transformSpec = z.discriminatedUnion('type', [
  /** To a whitelisted type (text, integer, bigint, numeric(p,s), boolean, date, timestamptz, jsonb, uuid, ...). */
  z.strictObject({ type: z.literal('cast'), to: z.string().min(1).max(60) }),
  /** Leading and trailing whitespace removed. */
  z.strictObject({ type: z.literal('trim') }),
  /** This value when the value is null or empty. */
  z.strictObject({ type: z.literal('default'), value: scalar }),
  /** Every character but the last `keepLast` replaced by `*`. */
  z.strictObject({ type: z.literal('mask'), keepLast: z.number().int().min(0).max(1000).default(4) }),
  /** HMAC-SHA256 of the value under the service's salt, as 64 hex digits. */
  z.strictObject({ type: z.literal('hash') }),
  /** Values found in the dictionary replaced; others kept. */
  z.strictObject({
    type: z.literal('value_map'),
    map: z
      .record(z.string().max(10_000), z.union([scalar, z.null()]))
      .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 10_000, 'must have 1 to 10,000 entries'),
  }),
]);

export type TransformSpec = z.infer<typeof transformSpec>;

const columnMapping = z.strictObject({
  /** Column of the target table. */
  target: columnName,
  /** Source column; default: the same name as `target`. */
  from: columnName.optional(),
  /** For a json/jsonb source column (NDJSON and HTTP sources): the keys leading to the value. */
  path: z.array(z.string().min(1).max(200)).min(1).max(16).optional(),
  transforms: z.array(transformSpec).max(20).default([]),
  /** Column type when the migration creates the table; otherwise checked against the target's column. */
  type: z.string().min(1).max(60).optional(),
});

const ruleName = z.string().trim().min(1).max(100).refine((s) => !hasControlCharacters(s), 'must not contain control characters');

const ruleSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('not_null'), column: columnName, name: ruleName.optional() }),
  /** No two migrated rows, and no migrated row and an existing target row, share a value. */
  z.strictObject({ type: z.literal('unique'), column: columnName, name: ruleName.optional() }),
  z.strictObject({
    type: z.literal('regex'),
    column: columnName,
    pattern: z.string().min(1).max(500),
    /** `i` for case-insensitive. */
    flags: z.enum(['', 'i']).default(''),
    name: ruleName.optional(),
  }),
  z
    .strictObject({
      type: z.literal('range'),
      column: columnName,
      min: scalar.optional(),
      max: scalar.optional(),
      name: ruleName.optional(),
    })
    .refine((r) => r.min !== undefined || r.max !== undefined, 'needs min, max or both'),
  z.strictObject({
    type: z.literal('allowed_values'),
    column: columnName,
    values: z.array(scalar).min(1).max(10_000),
    name: ruleName.optional(),
  }),
  /** The value exists in `table`.`refColumn` of the target database. */
  z.strictObject({
    type: z.literal('referential'),
    column: columnName,
    table: tableName,
    refColumn: columnName,
    name: ruleName.optional(),
  }),
  /**
   * A condition over the row's target columns, in the quality rules' format: `{ left: column,
   * op, right: { column } | { value } }` with op one of = != < <= > >=, joined by `{ and: [...] }`,
   * `{ or: [...] }`, `{ not: ... }`. Fails only when false (a null operand makes it unknown).
   */
  z.strictObject({
    type: z.literal('expression'),
    expression: z.record(z.string(), z.unknown()),
    name: ruleName.optional(),
  }),
]);

export type RuleSpec = z.infer<typeof ruleSpec>;

const sourceSpec = z.union([
  extractionSpec.extend({ sourceId: z.uuid({ message: 'must be a data source id (a UUID)' }) }),
  z.strictObject({
    datasetId: z.uuid({ message: 'must be an archive dataset id (a UUID)' }),
    /** Unique columns to resume by; without them an interrupted run starts the dataset over. */
    keyColumns: extractionSpec.shape.keyColumns,
  }),
]);

export type SourceSpec = z.infer<typeof sourceSpec>;

const targetSpec = z.strictObject({
  /** A data source of kind postgres. */
  sourceId: z.uuid({ message: 'must be a data source id (a UUID)' }),
  table: tableName,
  /** Create the table from the mapping's types if it does not exist. */
  create: z.boolean().default(false),
  /**
   * Columns that identify a loaded row (a primary key or unique index of the target; needed
   * when the table is created). Default: the target's primary key.
   */
  keyColumns: z.array(columnName).min(1).max(8).optional(),
});

export const migrationDefinition = z.strictObject({
  source: sourceSpec,
  target: targetSpec,
  mapping: z.array(columnMapping).min(1).max(500),
  rules: z.array(ruleSpec).max(100).default([]),
  /** Fail (and remove what was loaded) when more than this share of the rows is rejected. */
  maxRejectRate: z.number().min(0).max(1).optional(),
  /** Fail (and remove what was loaded) when more than this many rows are rejected. */
  maxRejects: z.number().int().min(0).optional(),
});

export type MigrationDefinition = z.infer<typeof migrationDefinition>;

export const createMigrationBody = migrationDefinition.extend({
  name: nameText(200),
  /** Start at once (subject to the pool's admission). */
  start: z.boolean().default(false),
});
