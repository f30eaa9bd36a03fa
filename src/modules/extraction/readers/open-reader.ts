import type { ResolvedSource } from '../../sources/kinds.ts';
import { JobInputError } from '../../../jobs/attempts.ts';
import type { ExtractionSpec } from '../spec.ts';
import { openCsvReader, openNdjsonReader } from './file-readers.ts';
import { openHttpJsonReader } from './http-json-reader.ts';
import { openPostgresReader } from './postgres-reader.ts';
import type { ExtractionReader } from './reader.ts';

/** The reader for a source; `table`/`query`/`keyColumns` only apply to PostgreSQL sources. */
export function openReader(source: ResolvedSource, spec: ExtractionSpec, httpTimeoutMs: number): Promise<ExtractionReader> {
  if (source.kind !== 'postgres' && (spec.table || spec.query || spec.keyColumns)) {
    throw new JobInputError(`a ${source.kind} source takes no table, query or keyColumns: it is read whole`);
  }
  switch (source.kind) {
    case 'postgres':
      if (Boolean(spec.table) === Boolean(spec.query)) {
        throw new JobInputError('a PostgreSQL extraction needs exactly one of `table` and `query`');
      }
      return openPostgresReader(source.settings, source.secret, spec);
    case 'csv':
      return openCsvReader(source.absolutePath, source.settings);
    case 'ndjson':
      return openNdjsonReader(source.absolutePath);
    case 'http_json':
      return openHttpJsonReader(source.settings, source.secret, httpTimeoutMs);
  }
}
