import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../observability/logger.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
// Any constant works; it only has to be the same in every instance.
const MIGRATION_LOCK = 7_316_202_611;

/** A schema migration that could not be applied; `cause` holds the database error. */
export class MigrationError extends Error {
  readonly isMigrationError = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Applies the numbered `migrations/*.sql` files not yet recorded in `jivs_migrations`, each in
 * its own transaction, under an advisory lock so concurrent instances apply each exactly once.
 */
export async function migrate(pool: pg.Pool, log: Logger): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS jivs_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM jivs_migrations')).rows.map((r) => r.name),
    );
    const unknown = [...done].filter((name) => !files.includes(name));
    if (unknown.length > 0) {
      throw new MigrationError(
        `the database has migrations this version does not know (${unknown.join(', ')}); ` +
          'it was migrated by a newer JiVS; run that version or restore a matching backup',
      );
    }
    for (const file of files.filter((f) => !done.has(f))) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO jivs_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (cause) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(
          `schema migration ${file} failed and was rolled back: ${(cause as Error).message}. ` +
            'The database is unchanged by it; fix the cause (permissions, a conflicting object) and start again',
          { cause },
        );
      }
      applied.push(file);
      log.info({ migration: file }, 'applied schema migration');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
