import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { sourceClientConfig } from '../../sources/postgres-connection.ts';
import type { PostgresSettings, SourceSecret } from '../../sources/kinds.ts';
import { completeRows, countRows, decodeRow, lastLine } from '../copy-text.ts';
import { ExtractionInputError } from '../errors.ts';
import type { ExtractionSpec } from '../spec.ts';
import type { ArchiveColumn, ExtractionReader, ResumeState, Segment } from './reader.ts';

interface KeyColumn {
  index: number;
  name: string;
  sourceType: string;
}

/** The SQL that yields the fingerprint of any relation: same statement on source and archive. */
export const fingerprintSql = (from: string) =>
  `SELECT count(*)::bigint AS rows, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text AS checksum FROM (SELECT * FROM ${from}) t`;

async function describe(client: pg.Client, from: string): Promise<ArchiveColumn[]> {
  const probe = await client.query({ text: `SELECT * FROM ${from} LIMIT 0` });
  const names = probe.fields.map((f) => f.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new ExtractionInputError(`the source returns column "${duplicate}" twice; alias the columns so names are unique`);
  const { rows } = await client.query<{ type: string; builtin: boolean }>(
    `SELECT format_type(f.oid, nullif(f.mod, -1)) AS type, n.nspname = 'pg_catalog' AS builtin
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
      if (!rows[0]?.oid) throw new ExtractionInputError(`table ${spec.table} does not exist on the source (or is not visible to its user)`);
      if (keyNames.length === 0) keyNames = await primaryKey(client, from);
      const est = await client.query<{ n: number }>('SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass', [from]);
      estimatedRows = est.rows[0] && est.rows[0].n >= 0 ? Number(est.rows[0].n) : undefined;
    } else if (spec.query) {
      from = `(${spec.query}) AS source_query`;
    } else {
      throw new ExtractionInputError('a PostgreSQL extraction needs `table` or `query`');
    }

    const columns = await describe(client, from);
    const keys: KeyColumn[] = keyNames.map((name) => {
      const index = columns.findIndex((c) => c.name === name);
      if (index === -1) throw new ExtractionInputError(`key column "${name}" is not among the source's columns (${columns.map((c) => c.name).join(', ')})`);
      return { index, name, sourceType: columns[index]!.sourceType };
    });

    const keyRow = (line: string) => {
      const fields = decodeRow(line);
      return keys.map((k) => {
        const v = fields[k.index];
        if (v === null || v === undefined) {
          throw new ExtractionInputError(`key column "${k.name}" holds NULL; choose unique, non-null keyColumns`);
        }
        return v;
      });
    };

    let activeStream: NodeJS.ReadableStream | undefined;
    return {
      columns,
      estimate: estimatedRows !== undefined ? { rows: estimatedRows } : {},
      resumable: keys.length > 0,
      fingerprint: 'sql-record-hash',
      async *segments(resume: ResumeState | undefined, signal: AbortSignal): AsyncGenerator<Segment> {
        const lastKey = keys.length > 0 ? (resume?.lastKey as string[] | undefined) : undefined;
        const cols = keys.map((k) => client.escapeIdentifier(k.name));
        const where = lastKey
          ? `WHERE (${cols.join(', ')}) > (${lastKey.map((v, i) => `${client.escapeLiteral(v)}::${keys[i]!.sourceType}`).join(', ')})`
          : '';
        const order = keys.length > 0 ? `ORDER BY ${cols.join(', ')}` : '';
        const stream = client.query(copyTo(`COPY (SELECT * FROM ${from} ${where} ${order}) TO STDOUT`));
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
        const { rows } = await client.query<{ rows: number; checksum: string }>(fingerprintSql(from));
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
