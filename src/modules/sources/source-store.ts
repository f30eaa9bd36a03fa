import type { DatabaseError } from 'pg';
import { conflict } from '../../http/errors.ts';
import type { DatabaseRoles } from '../../data/database-roles.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { SourceKind } from './kinds.ts';

/** A data_sources row as the module sees it; the ciphertext only when asked for. */
export interface SourceRecord {
  id: string;
  name: string;
  kind: SourceKind;
  settings: Record<string, unknown>;
  hasSecret: boolean;
  createdBy: string | null;
  createdAt: Date;
}

interface Row {
  id: string;
  name: string;
  kind: SourceKind;
  settings: Record<string, unknown>;
  has_secret: boolean;
  created_by: string | null;
  created_at: Date;
  secret_ciphertext?: Buffer | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toRecord = (r: Row): SourceRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  settings: r.settings,
  hasSecret: r.has_secret,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const pgCode = (e: unknown) => (e as Partial<DatabaseError>).code;

/** Persistence of data sources. Lookups by an id that is not a UUID find nothing. */
export function createSourceStore(db: DatabaseRoles) {
  const sql = sqlFiles(import.meta.dirname, [
    'insert-source',
    'list-sources',
    'find-source',
    'find-source-for-use',
    'delete-source',
  ]);

  return {
    async insert(source: {
      id: string;
      name: string;
      kind: SourceKind;
      settings: object;
      secretCiphertext: Buffer | null;
      createdBy: string;
    }): Promise<SourceRecord> {
      try {
        const { rows } = await db.write.query<Row>(sql['insert-source'], [
          source.id,
          source.name,
          source.kind,
          JSON.stringify(source.settings),
          source.secretCiphertext,
          source.createdBy,
        ]);
        return toRecord(rows[0]!);
      } catch (e) {
        if (pgCode(e) === '23505') {
          throw conflict(`a data source named ${JSON.stringify(source.name)} already exists (names ignore case); choose another name`);
        }
        throw e;
      }
    },

    async list(): Promise<SourceRecord[]> {
      const { rows } = await db.read().query<Row>(sql['list-sources']);
      return rows.map(toRecord);
    },

    async find(id: string): Promise<SourceRecord | undefined> {
      if (!UUID.test(id)) return undefined;
      // Read-your-writes: a client fetching the source it just created must find it.
      const { rows } = await db.write.query<Row>(sql['find-source'], [id]);
      return rows[0] && toRecord(rows[0]);
    },

    /** Reads from the write database: an extraction may start right after the source was created. */
    async findForUse(id: string): Promise<{ record: SourceRecord; secretCiphertext: Buffer | null } | undefined> {
      if (!UUID.test(id)) return undefined;
      const { rows } = await db.write.query<Row>(sql['find-source-for-use'], [id]);
      const row = rows[0];
      return row && { record: toRecord(row), secretCiphertext: row.secret_ciphertext ?? null };
    },

    /** False when there was no such source. */
    async delete(id: string): Promise<boolean> {
      if (!UUID.test(id)) return false;
      try {
        const { rowCount } = await db.write.query(sql['delete-source'], [id]);
        return rowCount === 1;
      } catch (e) {
        if (pgCode(e) === '23503') {
          throw conflict(`data source ${id} is used by extraction jobs or migrations; delete those first, then the source`);
        }
        throw e;
      }
    },
  };
}

export type SourceStore = ReturnType<typeof createSourceStore>;
