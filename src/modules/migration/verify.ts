import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { completeRows } from '../extraction/copy-text.ts';
import type { SourceFingerprint } from '../extraction/readers/reader.ts';
import type { Plan } from './plan.ts';
import { rowHasher, RowsFingerprint, type RowHasher } from './row-hash.ts';
import { quoteTable } from './target.ts';

async function fingerprintOf(client: pg.PoolClient, query: string, hasher: RowHasher): Promise<RowsFingerprint> {
  const print = new RowsFingerprint();
  await client.query('BEGIN');
  try {
    // The join hashes the keys: with the default 4 MB it would spill to disk from about 100,000 keys.
    await client.query(`SET LOCAL work_mem = '${JOIN_MEMORY}'`);
    for await (const data of completeRows(client.query(copyTo(`COPY (${query}) TO STDOUT`)))) {
      const lines = data.toString('utf8').split('\n');
      lines.pop(); // the data ends with a newline
      for (const line of lines) print.add(hasher.target(line));
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return print;
}

const JOIN_MEMORY = '64MB';

/**
 * Count and fingerprint of the rows a migration loaded, read back from the target by the keys
 * it recorded and hashed as the loader hashed them on the way in. The keys table and the
 * target's key share their column types, so the join is an equality on the target's primary
 * key or unique index. The keys table is split into page ranges read in parallel, one per
 * client (rendering the rows is the target's work, and it is single-threaded per session); the
 * rows stream through COPY, so memory stays flat.
 */
export async function fingerprintLoaded(clients: pg.PoolClient[], o: { table: string; keysTable: string; plan: Plan }): Promise<SourceFingerprint> {
  const client = clients[0]!;
  const q = (name: string) => client.escapeIdentifier(name);
  const keys = `jivs_meta.${q(o.keysTable)}`;
  // Without statistics the planner takes the keys table for small and picks a slow join.
  await client.query(`ANALYZE ${keys}`);
  const { rows } = await client.query<{ pages: string }>(`SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int AS pages`, [keys]);
  const pages = Number(rows[0]!.pages);
  const columns = o.plan.columns.map((c) => `t.${q(c.name)}`).join(', ');
  const on = o.plan.keyIndexes.map((i) => `t.${q(o.plan.columns[i]!.name)} = k.${q(o.plan.columns[i]!.name)}`).join(' AND ');
  const hasher = rowHasher(o.plan);
  const parts = await Promise.all(
    clients.map((c, i) => {
      const from = Math.floor((i * pages) / clients.length);
      const to = Math.floor(((i + 1) * pages) / clients.length);
      const range = [i > 0 ? `k.ctid >= '(${from},0)'` : '', i < clients.length - 1 ? `k.ctid < '(${to},0)'` : ''].filter(Boolean);
      const where = range.length > 0 ? `WHERE ${range.join(' AND ')}` : '';
      return fingerprintOf(c, `SELECT ${columns} FROM ${quoteTable(client, o.table)} t JOIN ${keys} k ON ${on} ${where}`, hasher);
    }),
  );
  const total = parts.reduce((sum, p) => sum + BigInt(p.toJSON().sum), 0n);
  return { rows: parts.reduce((n, p) => n + p.rows, 0), checksum: total.toString() };
}
