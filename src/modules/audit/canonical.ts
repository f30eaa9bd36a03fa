import { createHash } from 'node:crypto';
import { sortedKeys } from '../../data/canonical-json.ts';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

// Part of the hashed text, so a future change of the serialisation cannot collide with this one.
const FORMAT = 'jivs-audit/1';

/** The fields of an entry that its hash covers, exactly as stored. */
export interface ChainedFields {
  /** Decimal, as PostgreSQL returns a bigint. */
  seq: string;
  id: string;
  /** UTC with microseconds, `2025-01-31T12:00:00.123456Z`: all the precision PostgreSQL stores. */
  at: string;
  actorUserId: string | null;
  actorUsername: string | null;
  actorRole: string | null;
  action: string;
  target: string | null;
  outcome: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

/**
 * The canonical text of an entry: a JSON array with every field at a fixed position (no field can
 * bleed into another) and object keys sorted at every depth. It ends with the previous entry's
 * hash, which is what chains the entries.
 */
export function canonicalEntry(f: ChainedFields): string {
  return JSON.stringify(
    [
      FORMAT,
      f.seq,
      f.id,
      f.at,
      f.actorUserId,
      f.actorUsername,
      f.actorRole,
      f.action,
      f.target,
      f.outcome,
      f.sourceIp,
      f.details,
      f.prevHash,
    ],
    sortedKeys,
  );
}

/** `at` of an entry made at `date`, in the stored form (a JavaScript date has milliseconds only). */
export const entryTime = (date: Date): string => date.toISOString().replace(/Z$/, '000Z');

/** SHA-256 of the canonical text, hex. */
export const entryHash = (f: ChainedFields): string => createHash('sha256').update(canonicalEntry(f), 'utf8').digest('hex');

/**
 * Text PostgreSQL stores exactly as given: it refuses NUL, and a lone UTF-16 surrogate would be
 * stored as U+FFFD. Either would make the stored entry differ from the hashed one.
 */
export const storableText = (text: string): string => text.toWellFormed().replaceAll('\u0000', '\uFFFD');

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableValue(v)]));
  }
  return value;
}

/**
 * Details as they come back from a jsonb column: plain JSON (dates as strings, no undefined, no
 * NaN) with storable text. Numbers survive jsonb unchanged: JSON.stringify writes the shortest
 * decimal that parses back to the same double, and jsonb keeps decimals exactly.
 */
export const storableDetails = (details: Record<string, unknown> | undefined): Record<string, unknown> =>
  storableValue(JSON.parse(JSON.stringify(details ?? {}))) as Record<string, unknown>;
