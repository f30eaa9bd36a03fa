import pg from 'pg';
import { sqlFiles } from '../../data/sql.ts';
import { LeaseLostError } from '../../jobs/attempts.ts';
import type { ResolvedSource } from '../sources/kinds.ts';
import { sourceClientConfig } from '../sources/postgres-connection.ts';
import { DefinitionError } from './errors.ts';
import { catalogType, type PgType } from './pg-types.ts';
import type { Plan, TargetTable } from './plan.ts';
import type { ReferenceLookup } from './rules.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'target-find-table',
  'target-describe-columns',
  'target-describe-keys',
  'target-lock-meta',
  'target-setup',
  'target-take-lease',
  'target-own-lease',
  'target-steal-lease',
  'target-reset-ledger',
  'target-forget',
  'target-meta-exists',
  'target-meta-unused',
]);

export type PostgresSource = Extract<ResolvedSource, { kind: 'postgres' }>;

/**
 * Connections to a migration's target. Unlike a source session it is writable; values render
 * under the same settings as on the source (UTC, ISO dates, hex bytea, shortest exact floats),
 * so a value passed through unchanged reads back as the same text.
 */
export function targetPool(source: PostgresSource, max: number): pg.Pool {
  const { options: _readOnly, ...connection } = sourceClientConfig(source.settings, source.secret);
  const pool = new pg.Pool({
    ...connection,
    application_name: 'jivs:migration',
    options: '-c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex -c extra_float_digits=1 -c statement_timeout=0',
    max,
    idleTimeoutMillis: 10_000,
  });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it
  return pool;
}

/** `schema.table` as quoted SQL. */
export function quoteTable(client: pg.ClientBase, table: string): string {
  return table
    .split('.')
    .map((part) => client.escapeIdentifier(part))
    .join('.');
}

/** Name (in schema jivs_meta of the target) of the table holding the keys of the rows a migration loaded. */
export const keysTableName = (migrationId: string) => `loaded_${migrationId.replaceAll('-', '')}`;

async function columnsOf(client: pg.ClientBase, quoted: string) {
  const { rows } = await client.query<{ name: string; type: string; not_null: boolean; has_default: boolean; read_only: boolean }>(
    SQL['target-describe-columns'],
    [quoted],
  );
  return rows;
}

/** The target table as the catalog describes it (`exists: false` when there is none). */
export async function describeTable(client: pg.ClientBase, table: string): Promise<TargetTable> {
  const quoted = quoteTable(client, table);
  const { rows } = await client.query<{ kind: string }>(SQL['target-find-table'], [quoted]);
  const kind = rows[0]?.kind;
  if (kind === undefined) return { exists: false, columns: [], uniqueKeys: [] };
  if (kind !== 'r' && kind !== 'p') throw new DefinitionError('target.table', `${table} is not a table (a view or another kind of relation); load into a table`);
  const columns = await columnsOf(client, quoted);
  const keys = await client.query<{ primary: boolean; columns: string[] }>(SQL['target-describe-keys'], [quoted]);
  return {
    exists: true,
    columns: columns.map((c) => ({ name: c.name, type: c.type, notNull: c.not_null, hasDefault: c.has_default, readOnly: c.read_only })),
    uniqueKeys: keys.rows,
  };
}

/** Column types of the tables that referential rules name, described on the target. */
export async function describeReferences(client: pg.ClientBase, tables: readonly string[]): Promise<ReferenceLookup> {
  const found = new Map<string, Map<string, PgType>>();
  for (const table of new Set(tables)) {
    const quoted = quoteTable(client, table);
    const { rows } = await client.query<{ kind: string }>(SQL['target-find-table'], [quoted]);
    if (rows[0]) found.set(table, new Map((await columnsOf(client, quoted)).map((c) => [c.name, catalogType(c.type)])));
  }
  return (table) => found.get(table);
}

/**
 * Takes a migration on its target for a new attempt, in one transaction: creates the
 * bookkeeping schema on first use, the target table when the plan says to, the keys table, and
 * takes the lease (waiting for a stale attempt's open chunk to end). Returns whether the
 * migration created the target table (in this or an earlier attempt), and whether the table
 * held rows before the migration loaded any (only then can a loaded key meet an existing row,
 * other than by a concurrent writer, which the key's unique index stops at load).
 */
export async function takeTarget(
  client: pg.ClientBase,
  o: { migrationId: string; leaseId: string; table: string; plan: Plan },
): Promise<{ createdTable: boolean; targetHadRows: boolean }> {
  const target = quoteTable(client, o.table);
  await client.query('BEGIN');
  try {
    await client.query(SQL['target-lock-meta']);
    await client.query(SQL['target-setup']);
    if (o.plan.create) {
      const columns = o.plan.create.columns.map((c) => `${client.escapeIdentifier(c.name)} ${c.type.name}`);
      const key = o.plan.create.key.map((k) => client.escapeIdentifier(k)).join(', ');
      await client.query(`CREATE TABLE ${target} (${columns.join(', ')}, PRIMARY KEY (${key}))`);
    }
    const keysTable = keysTableName(o.migrationId);
    const hasRows = (await client.query(`SELECT 1 FROM ${target} LIMIT 1`)).rows.length > 0;
    const { rows } = await client.query<{ created_table: boolean; target_had_rows: boolean }>(SQL['target-take-lease'], [
      o.migrationId,
      o.leaseId,
      o.table,
      keysTable,
      Boolean(o.plan.create),
      hasRows,
    ]);
    const keyColumns = o.plan.keyIndexes.map((i) => client.escapeIdentifier(o.plan.columns[i]!.name)).join(', ');
    // Same column types as the target's key, without naming any type.
    await client.query(`CREATE TABLE IF NOT EXISTS jivs_meta.${client.escapeIdentifier(keysTable)} AS SELECT ${keyColumns} FROM ${target} WITH NO DATA`);
    await client.query('COMMIT');
    return { createdTable: rows[0]!.created_table, targetHadRows: rows[0]!.target_had_rows };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** DELETE of the rows listed in the keys table: exactly what the migration loaded. */
async function deleteLoaded(client: pg.ClientBase, target: string, keys: string): Promise<number> {
  const keyColumns = (await columnsOf(client, keys)).map((c) => client.escapeIdentifier(c.name));
  const match = keyColumns.map((k) => `t.${k} = k.${k}`).join(' AND ');
  const { rowCount } = await client.query(`DELETE FROM ${target} t USING ${keys} k WHERE ${match}`);
  return rowCount ?? 0;
}

/**
 * Deletes what the migration loaded so far and empties its ledger, keeping the lease: for a
 * source that can only be read from the start again. Fenced by the attempt's lease.
 */
export async function restartTarget(client: pg.ClientBase, o: { migrationId: string; leaseId: string; table: string }): Promise<number> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ keys_table: string }>(SQL['target-own-lease'], [o.migrationId, o.leaseId]);
    if (!rows[0]) throw new LeaseLostError();
    const keys = `jivs_meta.${client.escapeIdentifier(rows[0].keys_table)}`;
    const deleted = await deleteLoaded(client, quoteTable(client, o.table), keys);
    await client.query(`TRUNCATE ${keys}`);
    await client.query(SQL['target-reset-ledger'], [o.migrationId]);
    await client.query('COMMIT');
    return deleted;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** What a removal did to the target. */
export interface Removal {
  rowsDeleted: number;
  tableDropped: boolean;
}

/**
 * Removes exactly what a migration loaded, in one transaction: the rows whose keys it recorded
 * (or the whole table when the migration created it), then its bookkeeping, and the bookkeeping
 * schema when no other migration uses it. Rows that were there before are never touched.
 * `lease: 'own'` is fenced by the caller's lease (a run that crossed its reject threshold);
 * `lease: 'take'` takes the lease from whichever attempt held it (rollback).
 */
export async function removeLoaded(
  client: pg.ClientBase,
  o: { migrationId: string; leaseId: string; table: string; lease: 'own' | 'take' },
): Promise<Removal> {
  const none: Removal = { rowsDeleted: 0, tableDropped: false };
  await client.query('BEGIN');
  try {
    await client.query(SQL['target-lock-meta']);
    const present = (await client.query<{ present: boolean }>(SQL['target-meta-exists'])).rows[0]!.present;
    if (!present) {
      await client.query('COMMIT');
      return none;
    }
    const { rows } = await client.query<{ created_table: boolean; keys_table: string }>(
      o.lease === 'own' ? SQL['target-own-lease'] : SQL['target-steal-lease'],
      [o.migrationId, o.leaseId],
    );
    const meta = rows[0];
    if (!meta) {
      if (o.lease === 'own') throw new LeaseLostError();
      await client.query('COMMIT');
      return none;
    }
    const target = quoteTable(client, o.table);
    const keys = `jivs_meta.${client.escapeIdentifier(meta.keys_table)}`;
    const keysExist = (await client.query<{ kind: string }>(SQL['target-find-table'], [keys])).rows.length > 0;
    let result = none;
    if (meta.created_table) {
      const rowsDeleted = keysExist ? Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${keys}`)).rows[0]!.n) : 0;
      await client.query(`DROP TABLE IF EXISTS ${target}`);
      result = { rowsDeleted, tableDropped: true };
    } else if (keysExist) {
      result = { rowsDeleted: await deleteLoaded(client, target, keys), tableDropped: false };
    }
    await client.query(`DROP TABLE IF EXISTS ${keys}`);
    await client.query(SQL['target-forget'], [o.migrationId]);
    if ((await client.query<{ unused: boolean }>(SQL['target-meta-unused'])).rows[0]!.unused) {
      await client.query('DROP SCHEMA jivs_meta CASCADE');
    }
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
