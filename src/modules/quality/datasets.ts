import type pg from 'pg';
import { sqlFiles } from '../../data/sql.ts';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { DatasetRef } from './rule-sql.ts';

const SQL = sqlFiles(import.meta.dirname, ['find-dataset']);

/** An archived dataset from the catalogue (`archive_datasets`), or null when there is none with this id. */
export async function findDataset(db: pg.Pool | pg.PoolClient, id: string): Promise<DatasetRef | null> {
  const { rows } = await db.query<{ id: string; table_name: string; columns: ArchiveColumn[] }>(SQL['find-dataset'], [id]);
  const row = rows[0];
  return row ? { id: row.id, table: row.table_name, columns: row.columns } : null;
}
