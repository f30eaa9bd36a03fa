import { hash } from 'node:crypto';
import { canonicalJson } from '../../data/canonical-json.ts';
import { decodeRow, encodeRow } from '../extraction/copy-text.ts';
import type { SourceFingerprint } from '../extraction/readers/reader.ts';
import type { Plan } from './plan.ts';
import type { Value } from './transforms.ts';

/**
 * The fingerprint of loaded rows: their count and the sum of a 64-bit hash (the first 8 bytes of
 * SHA-256, as in the extraction engine's fingerprint) of each row's COPY text. The text is what
 * was sent on the way in and what the target renders on the way back; the value layer makes
 * the two identical for every column, except jsonb filled from text or json, which the target
 * re-renders: those fields are hashed as canonical JSON on both sides. Hashing the COPY text
 * instead of a JSON rendering of each row keeps verification cheap at millions of rows.
 */
export class RowsFingerprint {
  rows: number;
  #base: bigint;
  // The two 32-bit halves of the row hashes are summed as floats (exact below 2^53) and folded
  // into the bigint now and then: a bigint addition per row would cost more than the hash.
  #hi = 0;
  #lo = 0;

  constructor(saved?: { rows: number; sum: string }) {
    this.rows = saved?.rows ?? 0;
    this.#base = BigInt(saved?.sum ?? '0');
  }

  /** Adds a row by its digest (hex, as rowHasher returns it). */
  add(digest: string): void {
    this.rows++;
    this.#hi += parseInt(digest.slice(0, 8), 16);
    this.#lo += parseInt(digest.slice(8, 16), 16);
    if (this.#hi > FOLD_AT) this.#fold();
  }

  /** This fingerprint with another one's rows added (for a chunk's own rows on top of the ledger's). */
  plus(other: RowsFingerprint): RowsFingerprint {
    const a = this.toJSON();
    const b = other.toJSON();
    return new RowsFingerprint({ rows: a.rows + b.rows, sum: (BigInt(a.sum) + BigInt(b.sum)).toString() });
  }

  #fold(): void {
    this.#base += (BigInt(this.#hi) << 32n) + BigInt(this.#lo);
    this.#hi = 0;
    this.#lo = 0;
  }

  toJSON(): { rows: number; sum: string } {
    this.#fold();
    return { rows: this.rows, sum: this.#base.toString() };
  }

  result(): SourceFingerprint {
    const { rows, sum } = this.toJSON();
    return { rows, checksum: sum };
  }
}

const FOLD_AT = 2 ** 52;

/** SHA-256 of a row's text, in hex; its first 64 bits are what the fingerprint sums. */
const digestOf = (text: string): string => hash('sha256', text);

const canonical = (v: Value) => (v === null ? null : canonicalJson(JSON.parse(v)));

/** Digests of rows (see RowsFingerprint.add). */
export interface RowHasher {
  /** A row as loaded: its COPY line (without the newline) and its values. */
  loaded(line: string, values: Value[]): string;
  /** A row as the target renders it: its COPY line. */
  target(line: string): string;
}

export function rowHasher(plan: Plan): RowHasher {
  const reparsed = plan.columns.map((c) => c.reparsed);
  if (!reparsed.includes(true)) {
    return { loaded: digestOf, target: digestOf };
  }
  const normal = (values: Value[]) => encodeRow(values.map((v, i) => (reparsed[i] ? canonical(v) : v)));
  return {
    loaded: (_line: string, values: Value[]) => digestOf(normal(values)),
    target: (line: string) => digestOf(normal(decodeRow(line))),
  };
}
