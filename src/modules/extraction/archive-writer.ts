import type pg from 'pg';
import { CopyIn } from '../../data/copy-in.ts';
import { sqlFiles } from '../../data/sql.ts';
import { isLeaseLost, LeaseLostError } from '../../jobs/attempts.ts';
import type { ArchiveColumn, ResumeState, Segment } from './readers/reader.ts';

export const archiveTableName = (jobId: string) => `ext_${jobId.replaceAll('-', '')}`;

/** `CREATE TABLE IF NOT EXISTS archive.<name>` with the source's columns in source order. */
export function createArchiveTableSql(client: pg.PoolClient, table: string, columns: ArchiveColumn[]): string {
  const cols = columns.map((c) => `${client.escapeIdentifier(c.name)} ${c.type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS archive.${client.escapeIdentifier(table)} (${cols})`;
}

export interface CheckpointProgress {
  rows: number;
  bytes: number;
  resume: ResumeState | undefined;
}

export interface WriteOptions {
  jobId: string;
  leaseId: string;
  table: string;
  checkpointRows: number;
  checkpointMs: number;
  /** Rows and bytes already archived by earlier attempts. */
  start: CheckpointProgress;
  /** Empty the archive table in the first transaction (a source that can only start over). */
  restart: boolean;
  signal: AbortSignal;
  onCheckpoint(progress: CheckpointProgress, chunkRows: number, chunkBytes: number): void;
}

const SQL = sqlFiles(import.meta.dirname, ['checkpoint']);

/**
 * Copies segments into the archive table in transactions of about `checkpointRows` rows (or
 * `checkpointMs`), each committing the rows together with the checkpoint that covers them, so a
 * crash at any instant leaves the archive and the checkpoint in agreement. The checkpoint is
 * fenced by the attempt's lease: a worker that lost the job cannot commit.
 *
 * Returns `cancelled: true` when a cancel request was seen at a checkpoint, and
 * `interrupted: true` when `signal` aborted (after committing or rolling back the open chunk).
 */
export async function writeSegments(
  client: pg.PoolClient,
  segments: AsyncIterable<Segment>,
  options: WriteOptions,
): Promise<{ progress: CheckpointProgress; cancelled: boolean; interrupted: boolean }> {
  const progress: CheckpointProgress = { ...options.start };
  const target = `archive.${client.escapeIdentifier(options.table)}`;
  let first = true;
  let copy: CopyIn | undefined;
  let chunkRows = 0;
  let chunkBytes = 0;
  let chunkStarted = 0;
  let pendingResume: ResumeState | undefined;

  const open = async () => {
    await client.query('BEGIN');
    // A chunk may wait on a slow source for longer than the pool's statement timeout.
    await client.query('SET LOCAL statement_timeout = 0');
    if (first && options.restart) await client.query(`TRUNCATE ${target}`);
    first = false;
    copy = new CopyIn(client, `COPY ${target} FROM STDIN`);
    chunkRows = 0;
    chunkBytes = 0;
    chunkStarted = Date.now();
  };

  const commit = async (): Promise<boolean> => {
    const stream = copy!;
    copy = undefined;
    const refused = await stream.finish();
    if (refused) throw refused;
    const next = { rows: progress.rows + chunkRows, bytes: progress.bytes + chunkBytes, resume: pendingResume };
    const { rows } = await client.query<{ cancel_requested: boolean }>(SQL.checkpoint, [
      options.jobId,
      options.leaseId,
      next.rows,
      next.bytes,
      next.resume ? JSON.stringify(next.resume) : null,
    ]);
    if (rows.length === 0) throw new LeaseLostError();
    await client.query('COMMIT');
    Object.assign(progress, next);
    options.onCheckpoint(progress, chunkRows, chunkBytes);
    return rows[0]!.cancel_requested;
  };

  try {
    for await (const segment of segments) {
      if (!copy) await open();
      await copy!.write(segment.data);
      chunkRows += segment.rows;
      chunkBytes += segment.data.length;
      pendingResume = segment.resume;
      const due = chunkRows >= options.checkpointRows || Date.now() - chunkStarted >= options.checkpointMs;
      if (due || options.signal.aborted) {
        const cancelled = await commit();
        if (cancelled) return { progress, cancelled: true, interrupted: false };
        if (options.signal.aborted) return { progress, cancelled: false, interrupted: true };
      }
    }
    if (copy) {
      const cancelled = await commit();
      return { progress, cancelled, interrupted: false };
    }
    return { progress, cancelled: false, interrupted: false };
  } catch (e) {
    if (copy) await copy.abort();
    await client.query('ROLLBACK').catch(() => undefined);
    // Stopping mid-chunk loses nothing: the rolled-back rows are after the last checkpoint.
    if (options.signal.aborted && !isLeaseLost(e)) return { progress, cancelled: false, interrupted: true };
    throw e;
  }
}
