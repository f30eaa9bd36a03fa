import type pg from 'pg';
import { z } from 'zod';
import { sqlFiles } from '../../data/sql.ts';
import { unprocessable } from '../../http/errors.ts';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { PiiCategory } from './categories.ts';

const SQL = sqlFiles(import.meta.dirname, ['find-dataset', 'datasets-with-pii', 'lock-datasets', 'active-holds']);

type Queryable = pg.Pool | pg.PoolClient;

/** An archived dataset: table `archive.<tableName>` with the catalogue's columns. */
export interface ArchivedDataset {
  id: string;
  tableName: string;
  columns: ArchiveColumn[];
  rowCount: number;
}

/** A catalogue entry as requests and retention use it. */
export interface PiiEntry {
  id: string;
  column: string;
  jsonPath: string[];
  category: PiiCategory;
  status: 'proposed' | 'confirmed';
}

export interface DatasetWithPii extends ArchivedDataset {
  /** Entries that are not rejected. */
  pii: PiiEntry[];
}

export interface LegalHold {
  id: string;
  datasetId: string;
  reason: string;
}

/** An archive_datasets row as queried. */
export interface DatasetRow {
  id: string;
  table_name: string;
  columns: ArchiveColumn[];
  row_count: string | number;
}

export const toDataset = (r: DatasetRow): ArchivedDataset => ({
  id: r.id,
  tableName: r.table_name,
  columns: r.columns,
  rowCount: Number(r.row_count),
});

/** True for ids that can name a row; anything else names nothing (and must not reach a uuid cast). */
export const isUuid = (id: string): boolean => z.uuid().safeParse(id).success;

export const isJsonColumn = (c: ArchiveColumn): boolean => c.type === 'json' || c.type === 'jsonb';

export const isDateColumn = (c: ArchiveColumn): boolean =>
  /^(date|timestamp(\(\d\))? with(out)? time zone)$/.test(c.type);

/** `archive."<table>"`. */
export const archiveTable = (client: pg.ClientBase, table: string): string => `archive.${client.escapeIdentifier(table)}`;

export async function findDataset(db: Queryable, id: string): Promise<ArchivedDataset | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<DatasetRow>(SQL['find-dataset'], [id]);
  return rows[0] ? toDataset(rows[0]) : undefined;
}

/** The dataset a request body names; 422 when there is none. */
export async function requireDataset(db: Queryable, id: string): Promise<ArchivedDataset> {
  const dataset = await findDataset(db, id);
  if (!dataset) throw unprocessable(`archive dataset ${id} does not exist; see GET /api/v1/archive/datasets`);
  return dataset;
}

export async function datasetsWithPii(db: Queryable): Promise<DatasetWithPii[]> {
  const { rows } = await db.query<DatasetRow & { pii: PiiEntry[] }>(SQL['datasets-with-pii']);
  return rows.map((r) => ({ ...toDataset(r), pii: r.pii }));
}

/**
 * Takes the transaction-level lock of each dataset, which erasure, rectification, retention and
 * legal-hold changes share: a hold placed while an erasure runs waits for it, and an erasure
 * sees every hold committed before it.
 */
export async function lockDatasets(client: pg.PoolClient, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await client.query(SQL['lock-datasets'], [ids]);
}

/** Active legal holds of these datasets, by dataset id. */
export async function activeHolds(client: pg.PoolClient, ids: readonly string[]): Promise<Map<string, LegalHold[]>> {
  const { rows } = await client.query<{ id: string; dataset_id: string; reason: string }>(SQL['active-holds'], [ids]);
  const holds = new Map<string, LegalHold[]>();
  for (const r of rows) {
    holds.set(r.dataset_id, [...(holds.get(r.dataset_id) ?? []), { id: r.id, datasetId: r.dataset_id, reason: r.reason }]);
  }
  return holds;
}
