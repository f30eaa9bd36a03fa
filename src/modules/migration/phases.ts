import type { Counts } from './counts.ts';

export type PhaseStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'rolled_back';

/** Status and counts of each phase, as the API shows them. */
export interface Phases {
  /** Rows read from the source. */
  extract: { status: PhaseStatus; records: number };
  /** Rows whose columns all transformed; `rejected`: a transform (cast, path) failed. */
  transform: { status: PhaseStatus; records: number; rejected: number };
  /** Rows that passed every rule; `rejected`: a rule failed. */
  validate: { status: PhaseStatus; records: number; rejected: number };
  /** Rows loaded into the target; `rejected`: the target refused them. */
  load: { status: PhaseStatus; records: number; rejected: number };
  verify: { status: PhaseStatus };
}

/**
 * Where a migration is: extract, transform, validate and load run together, streaming chunk by
 * chunk, then verify reads the loaded rows back.
 */
export type Stage = 'pending' | 'streaming' | 'stream_failed' | 'verifying' | 'verified' | 'unverified' | 'threshold';

const STATUS: Record<Stage, [stream: PhaseStatus, verify: PhaseStatus]> = {
  pending: ['pending', 'pending'],
  streaming: ['running', 'pending'],
  stream_failed: ['failed', 'pending'],
  verifying: ['completed', 'running'],
  verified: ['completed', 'completed'],
  unverified: ['completed', 'failed'],
  threshold: ['completed', 'skipped'],
};

export function phasesOf(stage: Stage, counts: Counts): Phases {
  const [stream, verify] = STATUS[stage];
  const transformed = counts.read - counts.rejected.transform;
  const validated = transformed - counts.rejected.validate;
  return {
    extract: { status: stream, records: counts.read },
    transform: { status: stream, records: transformed, rejected: counts.rejected.transform },
    // Crossing the reject threshold fails validation, and what was loaded is removed.
    validate: { status: stage === 'threshold' ? 'failed' : stream, records: validated, rejected: counts.rejected.validate },
    load: { status: stage === 'threshold' ? 'rolled_back' : stream, records: counts.loaded, rejected: counts.rejected.load },
    verify: { status: verify },
  };
}

/** The phases after a rollback removed what was loaded. */
export const rolledBack = (phases: Phases): Phases => ({ ...phases, load: { ...phases.load, status: 'rolled_back' } });
