import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { sourceClientConfig } from '../../sources/postgres-connection.ts';
import type { PostgresSettings, SourceSecret } from '../../sources/kinds.ts';
import { completeRows, countRows, decodeRow, lastLine } from '../copy-text.ts';
import { JobInputError } from '../../../jobs/attempts.ts';
import type { ExtractionSpec } from '../spec.ts';
import type { ArchiveColumn, ExtractionReader, ResumeState, Segment } from './reader.ts';

interface KeyColumn {
  index: number;
  name: string;
  sourceType: string;
}

/**
 * The statement that fingerprints a relation — the same on source and archive: the row count and
 * the sum of a 64-bit hash of each row. Columns are hashed by value (`hash_record_extended`, four
 * times cheaper than rendering rows as text); a column whose type has no hash function, or is
 * archived as text, is hashed as its text on both sides.
 */
export function fingerprintSql(
  from: string,
  columns: ArchiveColumn[],
  quote: (name: string) => string,
  method: SqlFingerprint = 'sql-record-hash',
): string {
  const list = columns
    .map((c) => (c.hashable && c.type === c.sourceType ? quote(c.name) : `${quote(c.name)}::text`))
    .join(', ');
  // hash_record_extended needs PostgreSQL 14; older sources hash each row's text instead.
  const hash = method === 'sql-record-hash' ? 'hash_record_extended(t, 0)' : 'hashtextextended(t::text, 0)';
  return `SELECT count(*)::bigint AS rows, coalesce(sum(${hash}::numeric), 0)::text AS checksum FROM (SELECT ${list} FROM ${from}) t`;
}

export type SqlFingerprint = 'sql-record-hash' | 'sql-text-hash';

async function describe(client: pg.Client, from: string): Promise<ArchiveColumn[]> {
  const probe = await client.query({ text: `SELECT * FROM ${from} LIMIT 0` });
  const names = probe.fields.map((f) => f.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new JobInputError(`the source returns column "${duplicate}" twice; alias the columns so names are unique`);
  // hashable: a default hash operator class exists for the type (for arrays: for the element type).
  const { rows } = await client.query<{ type: string; builtin: boolean; hashable: boolean }>(
    `SELECT format_type(f.oid, nullif(f.mod, -1)) AS type, n.nspname = 'pg_catalog' AS builtin,
            EXISTS (SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                     WHERE am.amname = 'hash' AND oc.opcdefault
                       AND oc.opcintype = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END) AS hashable
       FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS f(oid, mod, i)
       JOIN pg_type t ON t.oid = f.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      ORDER BY f.i`,
    [probe.fields.map((f) => f.dataTypeID), probe.fields.map((f) => f.dataTypeModifier)],
  );
  return probe.fields.map((f, i) => ({
    name: f.name,
    sourceType: rows[i]!.type,
    type: rows[i]!.builtin ? rows[i]!.type : 'text',
    hashable: rows[i]!.hashable,
  }));
}

async function primaryKey(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  return rows.map((r) => r.name);
}

/**
 * Reads a PostgreSQL table or query with `COPY (SELECT ...) TO STDOUT`, passing the server's
 * bytes through untouched (every type survives exactly). With a unique key it orders by that key
 * and resumes after the last archived key; otherwise a resumed job starts the source over.
 */
export async function openPostgresReader(
  settings: PostgresSettings,
  secret: SourceSecret,
  spec: ExtractionSpec,
): Promise<ExtractionReader> {
  const client = new pg.Client(sourceClientConfig(settings, secret));
  client.on('error', () => undefined); // surfaced by the failing query instead
  await client.connect();
  try {
    let from: string;
    let keyNames: string[] = spec.keyColumns ?? [];
    let estimatedRows: number | undefined;
    if (spec.table) {
      from = spec.table
        .split('.')
        .map((p) => client.escapeIdentifier(p))
        .join('.');
      const { rows } = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [from]);
      if (!rows[0]?.oid) throw new JobInputError(`table ${spec.table} does not exist on the source (or is not visible to its user)`);
      if (keyNames.length === 0) keyNames = await primaryKey(client, from);
      const est = await client.query<{ n: number }>('SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass', [from]);
      estimatedRows = est.rows[0] && est.rows[0].n >= 0 ? Number(est.rows[0].n) : undefined;
    } else if (spec.query) {
      from = `(${spec.query}) AS source_query`;
    } else {
      throw new JobInputError('a PostgreSQL extraction needs `table` or `query`');
    }

    const columns = await describe(client, from);
    const version = (await client.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v")).rows[0]!.v;
    const method: SqlFingerprint = version >= 140_000 ? 'sql-record-hash' : 'sql-text-hash';
    const keys: KeyColumn[] = keyNames.map((name) => {
      const index = columns.findIndex((c) => c.name === name);
      if (index === -1) throw new JobInputError(`key column "${name}" is not among the source's columns (${columns.map((c) => c.name).join(', ')})`);
      return { index, name, sourceType: columns[index]!.sourceType };
    });

    const keyRow = (line: string) => {
      const fields = decodeRow(line);
      return keys.map((k) => {
        const v = fields[k.index];
        if (v === null || v === undefined) {
          throw new JobInputError(`key column "${k.name}" holds NULL; choose unique, non-null keyColumns`);
        }
        return v;
      });
    };

    const cols = keys.map((k) => client.escapeIdentifier(k.name));
    const order = keys.length > 0 ? `ORDER BY ${cols.join(', ')}` : '';
    const lastKeyOf = (resume: ResumeState | undefined) => (keys.length > 0 ? (resume?.lastKey as string[] | undefined) : undefined);
    /** The copy after `bounds` (the last archived key, as SQL expressions), or from the start. */
    const copySql = (bounds: string[] | undefined) => {
      const where = bounds ? `WHERE (${cols.join(', ')}) > (${bounds.map((b, i) => `${b}::${keys[i]!.sourceType}`).join(', ')})` : '';
      return `COPY (SELECT * FROM ${from} ${where} ${order}) TO STDOUT`;
    };

    let inSnapshot = false;
    let activeStream: NodeJS.ReadableStream | undefined;
    return {
      columns,
      estimate: estimatedRows !== undefined ? { rows: estimatedRows } : {},
      resumable: keys.length > 0,
      fingerprint: method,
      readStatement: (resume) => copySql(lastKeyOf(resume)?.map((_, i) => `$${i + 1}`)),
      async *segments(resume: ResumeState | undefined, signal: AbortSignal): AsyncGenerator<Segment> {
        // The copy and the source fingerprint after it share one repeatable-read snapshot, so both
        // see exactly the same rows even on a source that is being written to.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        inSnapshot = true;
        const stream = client.query(copyTo(copySql(lastKeyOf(resume)?.map((v) => client.escapeLiteral(v)))));
        activeStream = stream;
        const abort = () => stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal.addEventListener('abort', abort, { once: true });
        let total = Number(resume?.rows ?? 0);
        try {
          for await (const data of completeRows(stream)) {
            const rows = countRows(data);
            total += rows;
            yield {
              data,
              rows,
              resume: keys.length > 0 ? { lastKey: keyRow(lastLine(data)), rows: total } : { rows: total },
            };
          }
        } finally {
          signal.removeEventListener('abort', abort);
          activeStream = undefined;
        }
      },
      async sourceFingerprint() {
        if (!inSnapshot) await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const { rows } = await client.query<{ rows: string; checksum: string }>(
          fingerprintSql(from, columns, (n) => client.escapeIdentifier(n), method),
        );
        await client.query('COMMIT');
        inSnapshot = false;
        return { rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
      },
      async close() {
        // A COPY abandoned mid-stream leaves the connection busy: drop it rather than wait.
        if (activeStream) (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        await client.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}
