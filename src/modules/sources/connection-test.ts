import { parse as parseCsv } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { fetchPages } from './http-json-pages.ts';
import type { ResolvedSource } from './kinds.ts';
import { sourceClientConfig } from './postgres-connection.ts';

const POSTGRES_TIMEOUT_MS = 10_000;
const SAMPLE_ROWS = 5;
const MAX_FIELDS_SHOWN = 100;

/**
 * Checks that a source can be read: connects, or reads its first records. Returns what it saw
 * (never record values, which may be personal data); throws when the source cannot be read.
 */
export async function testSource(source: ResolvedSource, options: { httpTimeoutMs: number }): Promise<Record<string, unknown>> {
  switch (source.kind) {
    case 'postgres':
      return testPostgres(source);
    case 'csv':
      return testCsv(source);
    case 'ndjson':
      return testNdjson(source);
    case 'http_json':
      return testHttpJson(source, options.httpTimeoutMs);
  }
}

async function testPostgres(source: Extract<ResolvedSource, { kind: 'postgres' }>) {
  const started = performance.now();
  const client = new pg.Client({
    ...sourceClientConfig(source.settings, source.secret),
    connectionTimeoutMillis: POSTGRES_TIMEOUT_MS,
    query_timeout: POSTGRES_TIMEOUT_MS,
  });
  // A connection dropped by the server after the test must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return { serverVersion: rows[0]?.version, latencyMs: Math.round(performance.now() - started) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function testCsv(source: Extract<ResolvedSource, { kind: 'csv' }>) {
  const { settings } = source;
  const file = createReadStream(source.absolutePath, { encoding: settings.encoding });
  const records: string[][] = [];
  try {
    const parser = file.pipe(
      parseCsv({ delimiter: settings.delimiter, quote: settings.quote, bom: true, relax_column_count: true }),
    );
    for await (const record of parser) {
      records.push(record as string[]);
      if (records.length > SAMPLE_ROWS) break;
    }
  } finally {
    file.destroy();
  }
  let columns = settings.columns;
  if (settings.header) {
    const header = records.shift();
    if (!header) throw new Error(`${settings.path} is empty: it has no header line`);
    const repeated = header.filter((c, i) => header.indexOf(c) !== i);
    if (repeated.length > 0) throw new Error(`the header line repeats column names: ${[...new Set(repeated)].join(', ')}`);
    columns ??= header;
    if (columns.length !== header.length) {
      throw new Error(`the header line has ${header.length} fields but columns names ${columns.length}`);
    }
  }
  const width = columns?.length ?? 0;
  records.forEach((record, i) => {
    if (record.length !== width) {
      throw new Error(`record ${i + 1} has ${record.length} fields; expected ${width}`);
    }
  });
  return { columns: columns?.slice(0, MAX_FIELDS_SHOWN) ?? [], columnCount: width, sampledRecords: records.length };
}

async function testNdjson(source: Extract<ResolvedSource, { kind: 'ndjson' }>) {
  const file = createReadStream(source.absolutePath, { encoding: 'utf8' });
  const lines = createInterface({ input: file, crlfDelay: Infinity });
  let first: string | undefined;
  try {
    for await (const line of lines) {
      first = line;
      break;
    }
  } finally {
    lines.close();
    file.destroy();
  }
  if (first === undefined) return { empty: true, fields: [] };
  let record: unknown;
  try {
    record = JSON.parse(first);
  } catch (e) {
    throw new Error(`line 1 of ${source.settings.path} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new Error(`line 1 of ${source.settings.path} is not a JSON object`);
  }
  return { empty: false, fields: Object.keys(record).slice(0, MAX_FIELDS_SHOWN) };
}

async function testHttpJson(source: Extract<ResolvedSource, { kind: 'http_json' }>, timeoutMs: number) {
  const controller = new AbortController();
  try {
    for await (const page of fetchPages(source.settings, source.secret, controller.signal, undefined, { timeoutMs })) {
      const first: unknown = page.records[0];
      return {
        recordsOnFirstPage: page.records.length,
        morePages: page.state !== null,
        fields: first !== null && typeof first === 'object' ? Object.keys(first).slice(0, MAX_FIELDS_SHOWN) : [],
      };
    }
    throw new Error('the source returned no page');
  } finally {
    controller.abort();
  }
}
