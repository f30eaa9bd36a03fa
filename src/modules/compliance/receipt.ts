import { createHash } from 'node:crypto';
import type { Subject, SubjectKey } from './categories.ts';
import type { LegalHold } from './datasets.ts';

export type RequestType = 'access' | 'erasure' | 'rectification' | 'portability';
export type ErasureMode = 'delete' | 'anonymise';

/** What happened in one dataset. */
export interface DatasetOutcome {
  datasetId: string;
  table: string;
  /** Columns and JSON fields the subject was looked up in. */
  searched: Array<{ column: string; jsonPath: string[] | null; category: string }>;
  rowsMatched: number;
  /** Rows erased, anonymised, rectified or exported. */
  rowsAffected: number;
  /** Holds that kept the matched rows unchanged. */
  blockedBy: LegalHold[];
}

export interface ReceiptInput {
  requestId: string;
  type: RequestType;
  regulation: string;
  erasureMode: ErasureMode | null;
  subject: Subject;
  receivedAt: Date;
  dueAt: Date;
  startedAt: Date;
  completedAt: Date;
  datasets: DatasetOutcome[];
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The subject's identifiers as SHA-256 digests: a receipt proves what was done for a person
 * without holding their data again (given the identifier, anyone can recompute the digest).
 */
export function subjectDigest(subject: Subject): Partial<Record<SubjectKey, string>> {
  return Object.fromEntries(
    Object.entries(subject).map(([key, value]) => {
      const normal = key === 'email' ? value.trim().toLowerCase() : value.trim();
      return [key, `sha256:${sha256(normal)}`];
    }),
  );
}

/** The name of the per-dataset count in a receipt of this kind. */
export function countName(type: RequestType, mode: ErasureMode | null): string {
  if (type === 'erasure') return mode === 'anonymise' ? 'rowsAnonymised' : 'rowsErased';
  return type === 'rectification' ? 'rowsRectified' : 'rowsExported';
}

/**
 * The receipt of a processed request: every dataset searched with its counts (zero included),
 * what legal holds kept, and timestamps. Returned as the exact text that was hashed, so the
 * stored receipt can be verified byte for byte against `sha256`.
 */
export function buildReceipt(input: ReceiptInput): {
  text: string;
  sha256: string;
  status: 'completed' | 'completed_with_exceptions';
  exceptions: number;
} {
  const count = countName(input.type, input.erasureMode);
  const exceptions = input.datasets.flatMap((d) =>
    d.blockedBy.map((h) => ({ datasetId: d.datasetId, table: d.table, legalHoldId: h.id, reason: h.reason, rowsRetained: d.rowsMatched })),
  );
  const status = exceptions.length > 0 ? 'completed_with_exceptions' : 'completed';
  const receipt = {
    receipt: 'jivs-data-subject-request/1',
    requestId: input.requestId,
    type: input.type,
    regulation: input.regulation,
    ...(input.type === 'erasure' ? { mode: input.erasureMode } : {}),
    subject: subjectDigest(input.subject),
    receivedAt: input.receivedAt.toISOString(),
    dueAt: input.dueAt.toISOString(),
    startedAt: input.startedAt.toISOString(),
    completedAt: input.completedAt.toISOString(),
    status,
    datasets: input.datasets.map((d) => ({
      datasetId: d.datasetId,
      table: d.table,
      searched: d.searched,
      rowsMatched: d.rowsMatched,
      [count]: d.rowsAffected,
      ...(d.blockedBy.length > 0 ? { blockedByLegalHolds: d.blockedBy.map((h) => ({ id: h.id, reason: h.reason })) } : {}),
    })),
    totals: {
      datasets: input.datasets.length,
      rowsMatched: input.datasets.reduce((n, d) => n + d.rowsMatched, 0),
      [count]: input.datasets.reduce((n, d) => n + d.rowsAffected, 0),
    },
    exceptions,
  };
  const text = JSON.stringify(receipt, null, 2);
  return { text, sha256: sha256(text), status, exceptions: exceptions.length };
}
