import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import type { CsvSettings } from '../../sources/kinds.ts';
import { encodeRow } from '../copy-text.ts';
import { JobInputError } from '../../../jobs/attempts.ts';
import { savedFingerprint } from '../fingerprint.ts';
import type { ArchiveColumn, ExtractionReader, ResumeState, Segment } from './reader.ts';

const SEGMENT_BYTES = 256 * 1024;

/**
 * Shared shape of record-at-a-time readers: rows are encoded to COPY text and grouped into
 * segments; the resume state is the number of records done plus the running fingerprint.
 */
export async function* segmentsOf(
  records: AsyncIterable<{ copy: string; values: unknown[] }>,
  resume: ResumeState | undefined,
  signal: AbortSignal,
): AsyncGenerator<Segment> {
  const skip = Number(resume?.rows ?? 0);
  const acc = savedFingerprint(resume);
  let seen = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = (): Segment => {
    const segment = {
      data: Buffer.from(pending.join(''), 'utf8'),
      rows: pending.length,
      resume: { rows: acc.rows, fingerprint: acc.toJSON() },
    };
    pending = [];
    pendingBytes = 0;
    return segment;
  };
  for await (const record of records) {
    signal.throwIfAborted();
    if (seen++ < skip) continue;
    acc.add(record.values);
    pending.push(record.copy);
    pendingBytes += record.copy.length;
    if (pendingBytes >= SEGMENT_BYTES) yield flush();
  }
  if (pending.length > 0) yield flush();
}

function checkColumnNames(names: string[], where: string): void {
  names.forEach((name, i) => {
    if (name.length === 0) throw new JobInputError(`${where}: column ${i + 1} has no name`);
    if (Buffer.byteLength(name) > 63) throw new JobInputError(`${where}: column name "${name.slice(0, 20)}..." is longer than 63 bytes`);
  });
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new JobInputError(`${where}: column "${duplicate}" appears twice`);
}

function csvParser(path: string, settings: CsvSettings) {
  return createReadStream(path, { encoding: settings.encoding }).pipe(
    parseCsv({ delimiter: settings.delimiter, quote: settings.quote, bom: true, relax_column_count: false }),
  );
}

/** CSV files: every column is archived as text, exactly as written in the file. */
export async function openCsvReader(path: string, settings: CsvSettings): Promise<ExtractionReader> {
  let names = settings.columns;
  if (settings.header) {
    const parser = csvParser(path, settings);
    for await (const first of parser as AsyncIterable<string[]>) {
      names = first;
      break;
    }
    parser.destroy();
    if (!names) throw new JobInputError('the CSV file is empty: it has no header line');
  }
  if (!names) throw new JobInputError('the CSV source has no header: set `columns` on the source');
  checkColumnNames(names, 'CSV header');
  const columns: ArchiveColumn[] = names.map((name) => ({ name, type: 'text', sourceType: 'text' }));
  const bytes = (await stat(path)).size;

  async function* records(): AsyncGenerator<{ copy: string; values: unknown[] }> {
    let line = 0;
    try {
      for await (const row of csvParser(path, settings) as AsyncIterable<string[]>) {
        line++;
        if (line === 1 && settings.header) continue;
        yield { copy: encodeRow(row), values: row };
      }
    } catch (e) {
      throw new JobInputError(`the CSV file is malformed near record ${line + 1}: ${(e as Error).message}`, { cause: e });
    }
  }

  return recordReader(columns, bytes, records);
}

/** NDJSON files: one JSON value per line, archived in a jsonb column `record`. */
export async function openNdjsonReader(path: string): Promise<ExtractionReader> {
  const bytes = (await stat(path)).size;
  async function* records(): AsyncGenerator<{ copy: string; values: unknown[] }> {
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    let n = 0;
    for await (const raw of lines) {
      n++;
      const line = raw.trim();
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new JobInputError(`line ${n} of the NDJSON file is not valid JSON: ${(e as Error).message}`);
      }
      // jsonb cannot hold NUL characters; say so instead of failing inside COPY.
      if (line.includes('\\u0000')) throw new JobInputError(`line ${n} contains a \\u0000 character, which PostgreSQL jsonb cannot store`);
      yield { copy: encodeRow([line]), values: [value] };
    }
  }
  return recordReader([{ name: 'record', type: 'jsonb', sourceType: 'json' }], bytes, records);
}

/** A reader over a file read record by record, from the start each time (resume skips records). */
function recordReader(
  columns: ArchiveColumn[],
  bytes: number,
  records: () => AsyncIterable<{ copy: string; values: unknown[] }>,
): ExtractionReader {
  return {
    columns,
    estimate: { bytes },
    resumable: true,
    fingerprint: 'canonical-json-hash',
    segments: (resume, signal) => segmentsOf(records(), resume, signal),
    sourceFingerprint: (last) => Promise.resolve(savedFingerprint(last).result()),
    close: () => Promise.resolve(),
  };
}

