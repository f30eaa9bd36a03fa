import pg from 'pg';
import { startTestApp, type TestApp } from './app.ts';
import { createDatabase } from './databases.ts';
import { createSource } from './extractions.ts';
import { waitFor } from './wait.ts';
import type { Call } from './service-process.ts';

/** A JSON API call against a base URL: the shape both in-process and service-process tests use. */

export const FINAL_MIGRATION_STATES = ['completed', 'failed', 'rolled_back'];

/** Waits until the migration (or its rollback) reaches a final state and returns it. */
export function waitForMigration(call: Call, id: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(
    `migration ${id} to finish`,
    async () => {
      const res = await call('GET', `/api/v1/migrations/${id}`);
      return FINAL_MIGRATION_STATES.includes(res.body.status) ? res.body : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Every row of a table, ordered by its first column, each row as text values (what the database renders). */
export async function tableRows(dsn: string, table: string): Promise<string[][]> {
  const client = new pg.Client({ connectionString: dsn, options: '-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1' });
  await client.connect();
  try {
    const { rows } = await client.query<string[]>({
      text: `SELECT * FROM ${table} ORDER BY 1`,
      rowMode: 'array',
      types: { getTypeParser: () => (v: string) => v },
    });
    return rows;
  } finally {
    await client.end();
  }
}

/** Runs SQL on a database and closes the connection. */
export async function sql(dsn: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** An app with a source and a target database, both registered as postgres sources; `close()` removes all three. */
export interface MigrationSetup {
  t: TestApp;
  token: string;
  call: Call;
  source: { dsn: string };
  target: { dsn: string };
  sourceId: string;
  targetId: string;
  close(): Promise<void>;
}

/** Creates the source and target databases with their DDL, starts an app and registers both as sources. */
export async function startMigrationSetup(o: {
  sourceSql: string;
  /** Rows for a table created by `sourceSql`, as objects by column name. */
  sourceRows?: { table: string; rows: object[] };
  targetSql: string;
  config?: Record<string, unknown>;
}): Promise<MigrationSetup> {
  const source = await createDatabase('msrc');
  const target = await createDatabase('mtgt');
  await sql(source.dsn, o.sourceSql);
  if (o.sourceRows) {
    const table = o.sourceRows.table;
    await sql(source.dsn, `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1)`, [JSON.stringify(o.sourceRows.rows)]);
  }
  await sql(target.dsn, o.targetSql);
  const t = await startTestApp(o.config ?? {});
  const token = await t.login();
  return {
    t,
    token,
    call: (method, url, body) => t.request(method, url, { token, body }),
    source,
    target,
    sourceId: await createSource(t, token, { name: 'source', kind: 'postgres', dsn: source.dsn }),
    targetId: await createSource(t, token, { name: 'target', kind: 'postgres', dsn: target.dsn }),
    async close() {
      await t.close();
      await source.drop();
      await target.drop();
    },
  };
}
