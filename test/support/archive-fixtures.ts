import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { sqlFiles } from '../../src/data/sql.ts';
import { archiveTableName, createArchiveTableSql } from '../../src/modules/extraction/archive-writer.ts';
import { fingerprintSql } from '../../src/modules/extraction/readers/postgres-reader.ts';
import type { ArchiveColumn } from '../../src/modules/extraction/readers/reader.ts';
import type { TestApp } from './app.ts';

// The extraction engine's own statements, so a fixture is catalogued exactly as an extraction would be.
const EXTRACTION_SQL = sqlFiles(path.join(import.meta.dirname, '../../src/modules/extraction'), ['insert-job', 'record-dataset']);

export interface FixtureColumn {
  name: string;
  /** A PostgreSQL type, e.g. `integer`, `text`, `timestamp with time zone`, `numeric(10,2)`, `jsonb`. */
  type: string;
  /** Type on the (imaginary) source; defaults to `type`. */
  sourceType?: string;
  hashable?: boolean;
}

export interface ArchivedDatasetInput {
  columns: FixtureColumn[];
  /**
   * Rows as arrays in column order. Values go to PostgreSQL as query parameters, so strings are
   * read as the column's type (`'2024-01-31'` for a date); pass JSON columns as JSON text.
   */
  rows: ReadonlyArray<ReadonlyArray<unknown>>;
  /** Name of the extraction the dataset seems to come from. */
  name?: string;
}

export interface ArchivedDataset {
  /** archive_datasets.id: what quality rules and checks refer to. */
  datasetId: string;
  extractionId: string;
  sourceId: string;
  /** Table name in schema `archive` (`ext_<hex>`). */
  tableName: string;
  /** Qualified, quoted name: `archive."ext_<hex>"`. */
  table: string;
  columns: ArchiveColumn[];
  rowCount: number;
}

/**
 * An archived dataset put straight into the test app's database, without running an extraction:
 * the table `archive.ext_<hex>` with the rows, a CSV data source, a completed extraction job and
 * the catalogue row in `archive_datasets` (row count and checksum computed the way the engine
 * does). Fast enough to build one per test.
 */
export async function createArchivedDataset(t: Pick<TestApp, 'dsn'>, input: ArchivedDatasetInput): Promise<ArchivedDataset> {
  const pool = new pg.Pool({ connectionString: t.dsn, max: 1 });
  const client = await pool.connect();
  const extractionId = randomUUID();
  const tableName = archiveTableName(extractionId);
  const columns: ArchiveColumn[] = input.columns.map((c) => ({
    name: c.name,
    type: c.type,
    sourceType: c.sourceType ?? c.type,
    hashable: c.hashable ?? false,
  }));
  const table = `archive.${client.escapeIdentifier(tableName)}`;
  try {
    await client.query('BEGIN');
    await client.query(createArchiveTableSql(client, tableName, columns));
    // Batches stay below PostgreSQL's limit of 65535 parameters per statement.
    const perBatch = Math.max(1, Math.floor(60_000 / Math.max(1, columns.length)));
    const names = columns.map((c) => client.escapeIdentifier(c.name)).join(', ');
    for (let start = 0; start < input.rows.length; start += perBatch) {
      const batch = input.rows.slice(start, start + perBatch);
      const values: unknown[] = [];
      const tuples = batch.map((row, r) => {
        if (row.length !== columns.length) {
          throw new Error(`fixture row ${start + r} has ${row.length} values for ${columns.length} columns`);
        }
        values.push(...row);
        return `(${row.map((_, i) => `$${r * columns.length + i + 1}`).join(', ')})`;
      });
      await client.query(`INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`, values);
    }
    const print = (
      await client.query<{ rows: string; checksum: string }>(fingerprintSql(table, columns, (n) => client.escapeIdentifier(n)))
    ).rows[0]!;

    const { rows: sources } = await client.query<{ id: string }>(
      `INSERT INTO data_sources (name, kind, settings) VALUES ($1, 'csv', '{"path":"x.csv"}') RETURNING id`,
      [`fixture ${tableName}`],
    );
    const sourceId = sources[0]!.id;
    const name = input.name ?? `fixture ${tableName}`;
    await client.query(EXTRACTION_SQL['insert-job'], [extractionId, name, sourceId, '{}', tableName, input.rows.length, null, null]);
    await client.query(
      `UPDATE extraction_jobs SET status = 'completed', records_extracted = $2, started_at = now(), finished_at = now() WHERE id = $1`,
      [extractionId, input.rows.length],
    );
    await client.query(EXTRACTION_SQL['record-dataset'], [extractionId, tableName, JSON.stringify(columns), print.rows, print.checksum]);
    const { rows: datasets } = await client.query<{ id: string }>('SELECT id FROM archive_datasets WHERE extraction_id = $1', [extractionId]);
    await client.query('COMMIT');
    return { datasetId: datasets[0]!.id, extractionId, sourceId, tableName, table, columns, rowCount: Number(print.rows) };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
    await pool.end();
  }
}
