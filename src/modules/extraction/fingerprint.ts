import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { canonicalJson } from '../../data/canonical-json.ts';
import { completeRows, decodeRow } from './copy-text.ts';
import type { ArchiveColumn, ResumeState, SourceFingerprint } from './readers/reader.ts';

/**
 * The order-independent fingerprint of rows from sources that are not SQL databases (files,
 * HTTP APIs): the count and the sum of a 64-bit hash of each row's canonical JSON. Object keys are
 * sorted, so JSON stored as jsonb (which reorders keys) still compares equal with its source.
 */

const rowHash = (values: unknown[]): bigint => createHash('sha256').update(canonicalJson(values)).digest().readBigUInt64BE(0);

/** Running count and hash sum; serialisable into a checkpoint so a resumed job continues it. */
export class FingerprintAccumulator {
  rows: number;
  #sum: bigint;

  constructor(saved?: { rows: number; sum: string }) {
    this.rows = saved?.rows ?? 0;
    this.#sum = BigInt(saved?.sum ?? '0');
  }

  add(values: unknown[]): void {
    this.rows++;
    this.#sum += rowHash(values);
  }

  toJSON(): { rows: number; sum: string } {
    return { rows: this.rows, sum: this.#sum.toString() };
  }

  result(): SourceFingerprint {
    return { rows: this.rows, checksum: this.#sum.toString() };
  }
}

/** The accumulator a checkpoint saved (in `resume.fingerprint`), or a fresh one. */
export const savedFingerprint = (resume: ResumeState | undefined) =>
  new FingerprintAccumulator(resume?.fingerprint as { rows: number; sum: string } | undefined);

const isJsonType = (type: string) => type === 'json' || type === 'jsonb';

/** The same fingerprint over an archive table, streamed with COPY so memory stays flat. */
export async function archiveCanonicalFingerprint(
  client: pg.PoolClient,
  qualifiedTable: string,
  columns: ArchiveColumn[],
): Promise<SourceFingerprint> {
  const acc = new FingerprintAccumulator();
  const stream = client.query(copyTo(`COPY ${qualifiedTable} TO STDOUT`));
  for await (const data of completeRows(stream)) {
    for (const line of data.toString('utf8').split('\n')) {
      if (line === '') continue;
      const fields = decodeRow(line);
      acc.add(fields.map((f, i) => (f !== null && isJsonType(columns[i]!.type) ? (JSON.parse(f) as unknown) : f)));
    }
  }
  return acc.result();
}
