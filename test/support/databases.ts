import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function adminDsn(): string {
  const dsn = process.env.JIVS_TEST_ADMIN_DSN;
  if (!dsn) throw new Error('JIVS_TEST_ADMIN_DSN is not set: run tests through `npm test` (it starts PostgreSQL)');
  return dsn;
}

/** DSN of a database on the test server. */
export function databaseDsn(name: string): string {
  const url = new URL(adminDsn());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a fresh, uniquely named database and returns its name and DSN; `drop()` removes it. */
export async function createDatabase(prefix = 't'): Promise<{ name: string; dsn: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDsn() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    dsn: databaseDsn(name),
    async drop() {
      const c = new pg.Client({ connectionString: adminDsn() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
