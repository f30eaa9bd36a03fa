import { isHttpError } from '../http/errors.ts';

/**
 * How one attempt at a durable job can end other than by finishing: its definition or data is
 * wrong (fail now), it lost its lease to another worker (stop, touch nothing), or it stopped at a
 * checkpoint at shutdown (hand the job back for a retry). Shared by every job runner.
 */

/**
 * The job's definition or its source data is wrong (missing table, bad query, malformed file):
 * retrying cannot help, so the job fails at once with this message, and creation answers 422.
 */
export class JobInputError extends Error {
  readonly isJobInputError = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JobInputError';
  }
}

export const isJobInputError = (e: unknown): e is JobInputError =>
  e instanceof Error && (e as Partial<JobInputError>).isJobInputError === true;

// SQLSTATE classes that describe the statement or the data, not the connection:
// 0A feature not supported, 22 data exception, 23 integrity, 28 authorisation, 3D/3F missing
// database/schema, 42 syntax or access rule.
const PERMANENT_SQLSTATE = /^(0A|22|23|28|3D|3F|42)/;

/** Converts errors that retrying cannot fix into JobInputError; others pass through. */
export function classify(e: unknown): unknown {
  if (isJobInputError(e)) return e;
  // The source no longer resolves (deleted, file gone, host no longer allowed).
  if (isHttpError(e) && e.status < 500) return new JobInputError(e.message, { cause: e });
  // An HTTP source that answered 4xx or with something that is not the JSON it should be.
  if ((e as { retryable?: unknown }).retryable === false) {
    return new JobInputError((e as Error).message, { cause: e });
  }
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && PERMANENT_SQLSTATE.test(code)) {
    return new JobInputError(`the source rejected the job: ${(e as Error).message}`, { cause: e });
  }
  return e;
}

/** The attempt no longer owns the job (another worker took it over, or it was cancelled). */
export class LeaseLostError extends Error {
  readonly isLeaseLost = true;
  constructor() {
    super('this attempt no longer holds the job; another worker owns it now');
    this.name = 'LeaseLostError';
  }
}

export const isLeaseLost = (e: unknown): e is LeaseLostError =>
  e instanceof Error && (e as Partial<LeaseLostError>).isLeaseLost === true;

/** Thrown by an attempt that stopped at a checkpoint (shutdown), so the queue retries the job. */
export class HandedBackError extends Error {
  readonly isHandedBack = true;
  constructor() {
    super('the job was handed back at a checkpoint; another attempt resumes it');
    this.name = 'HandedBackError';
  }
}

export const isHandedBack = (e: unknown): e is HandedBackError =>
  e instanceof Error && (e as Partial<HandedBackError>).isHandedBack === true;
