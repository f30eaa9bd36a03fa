import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { RETRY_LIMIT, type JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import { inSpan } from '../../observability/spans.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createArchiveTableSql, writeSegments, type CheckpointProgress } from './archive-writer.ts';
import { classify, HandedBackError, isHandedBack, isJobInputError, isLeaseLost, LeaseLostError } from '../../jobs/attempts.ts';
import { archiveCanonicalFingerprint } from './fingerprint.ts';
import { openReader } from './readers/open-reader.ts';
import { fingerprintSql } from './readers/postgres-reader.ts';
import type { ArchiveColumn, ExtractionReader, ResumeState, SourceFingerprint } from './readers/reader.ts';
import type { ExtractionSpec } from './spec.ts';
import { sourceAttributes, tracedRead } from './spans.ts';

const SQL = sqlFiles(import.meta.dirname, ['claim', 'finish', 'record-dataset', 'lock-own-job']);

export interface ExtractionJobData {
  extractionId: string;
}

interface ClaimedJob {
  id: string;
  name: string;
  source_id: string;
  spec: ExtractionSpec;
  archive_table: string;
  records_extracted: number;
  bytes_extracted: number;
  checkpoint: ResumeState | null;
  cancel_requested: boolean;
}

export interface Verification {
  method: ExtractionReader['fingerprint'];
  source: SourceFingerprint;
  archive: SourceFingerprint;
  match: boolean;
  /** Time spent copying in this attempt, and verifying. */
  copyMs: number;
  verifyMs: number;
}

// Session settings under which both sides render values identically for the fingerprint.
const FINGERPRINT_SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO'",
  "SET LOCAL IntervalStyle = 'postgres'",
  "SET LOCAL bytea_output = 'hex'",
  'SET LOCAL extra_float_digits = 1',
  'SET LOCAL statement_timeout = 0',
];

async function archiveFingerprint(
  client: pg.PoolClient,
  reader: ExtractionReader,
  table: string,
  columns: ArchiveColumn[],
): Promise<Verification['archive']> {
  const qualified = `archive.${client.escapeIdentifier(table)}`;
  await client.query('BEGIN');
  try {
    for (const statement of FINGERPRINT_SETTINGS) await client.query(statement);
    const result =
      reader.fingerprint !== 'canonical-json-hash'
        ? await client
            .query<{ rows: number; checksum: string }>(
              fingerprintSql(qualified, columns, (n) => client.escapeIdentifier(n), reader.fingerprint),
            )
            .then(({ rows }) => ({ rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum }))
        : await archiveCanonicalFingerprint(client, qualified, columns);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * The worker side of an extraction: one call per attempt. Every cycle ends in one log line that
 * says what was decided (completed, verified or not, handed back, retrying, failed). Each step
 * is a span of the attempt's job span (see spans.ts).
 */
export function createExtractionRunner(ctx: AppContext, sources: SourcesModule) {
  const log = named(ctx.log, 'extraction');
  const { metrics } = ctx;
  const { tracer } = ctx.tracing;

  async function finish(
    id: string,
    leaseId: string,
    status: 'completed' | 'failed' | 'cancelled' | 'queued',
    error: string | null,
    verification?: Verification,
  ): Promise<void> {
    await ctx.db.write.query(SQL.finish, [id, leaseId, status, error, verification ? JSON.stringify(verification) : null]);
  }

  return async function runExtraction(run: JobRun<ExtractionJobData>): Promise<void> {
    const leaseId = randomUUID();
    const { rows } = await ctx.db.write.query<ClaimedJob>(SQL.claim, [run.data.extractionId, leaseId]);
    const job = rows[0];
    if (!job) {
      log.info({ extraction_id: run.data.extractionId }, 'decision: skip, the extraction is no longer queued or running');
      return;
    }
    const started = performance.now();
    const fields = { extraction_id: job.id, attempt: run.attempt + 1 };
    const jobSpan = trace.getActiveSpan();
    jobSpan?.setAttributes({ 'jivs.extraction.id': job.id, 'jivs.job.attempt': run.attempt + 1 });
    let reader: ExtractionReader | undefined;
    let kind = 'unknown';
    const observe = (outcome: string) =>
      metrics.extractionDuration.observe({ source_kind: kind, outcome }, (performance.now() - started) / 1000);

    try {
      if (job.cancel_requested) {
        await dropArchive(ctx, job.archive_table);
        await finish(job.id, leaseId, 'cancelled', null);
        metrics.extractions.inc({ event: 'cancelled' });
        log.info(fields, 'decision: cancelled before it ran');
        return;
      }
      const source = await sources.resolve(job.source_id);
      kind = source.kind;
      jobSpan?.setAttribute('jivs.source.kind', kind);
      reader = await inSpan(tracer, 'extraction.connect', sourceAttributes(source), () =>
        openReader(source, job.spec, ctx.config.sources.httpTimeoutMs),
      );
      const resumeFrom: CheckpointProgress =
        job.checkpoint && reader.resumable
          ? { rows: Number(job.records_extracted), bytes: Number(job.bytes_extracted), resume: job.checkpoint }
          : { rows: 0, bytes: 0, resume: undefined };
      log.info(
        { ...fields, records_done: resumeFrom.rows, source_kind: kind },
        resumeFrom.rows > 0 ? `resuming after ${resumeFrom.rows} archived records` : 'starting extraction',
      );

      const client = await ctx.db.write.connect();
      try {
        await client.query(createArchiveTableSql(client, job.archive_table, reader.columns));
        const segments = tracedRead(tracer, source, reader.readStatement?.(resumeFrom.resume), reader.segments(resumeFrom.resume, run.signal));
        const bulkInsert = { 'db.system': 'postgresql', 'db.operation': 'COPY', 'db.sql.table': `archive.${job.archive_table}` };
        const result = await inSpan(tracer, 'extraction.bulk_insert', bulkInsert, async (span) => {
          const written = await writeSegments(client, segments, {
            jobId: job.id,
            leaseId,
            table: job.archive_table,
            checkpointRows: ctx.config.jobs.checkpointRows,
            checkpointMs: 5000,
            start: resumeFrom,
            restart: !reader!.resumable || resumeFrom.rows === 0,
            signal: run.signal,
            onCheckpoint: (progress, chunkRows, chunkBytes) => {
              log.debug({ ...fields, records_extracted: progress.rows, chunk_rows: chunkRows }, 'checkpoint committed');
              metrics.extractionRecords.inc({ source_kind: kind }, chunkRows);
              metrics.extractionBytes.inc({ source_kind: kind }, chunkBytes);
            },
          });
          span.setAttribute('db.rows', written.progress.rows - resumeFrom.rows);
          return written;
        });

        if (result.cancelled) {
          await dropArchive(ctx, job.archive_table);
          await finish(job.id, leaseId, 'cancelled', null);
          metrics.extractions.inc({ event: 'cancelled' });
          observe('cancelled');
          log.info({ ...fields, records_extracted: result.progress.rows }, 'decision: cancelled on request; partial archive dropped');
          return;
        }
        if (result.interrupted) {
          await finish(job.id, leaseId, 'queued', null);
          observe('interrupted');
          log.info({ ...fields, records_extracted: result.progress.rows }, 'decision: handed back at a checkpoint; another attempt resumes it');
          throw new HandedBackError();
        }

        const copied = performance.now();
        const [sourcePrint, archive] = await inSpan(tracer, 'extraction.verify', { 'jivs.verification.method': reader.fingerprint }, () =>
          Promise.all([reader!.sourceFingerprint(result.progress.resume), archiveFingerprint(client, reader!, job.archive_table, reader!.columns)]),
        );
        const verification: Verification = {
          method: reader.fingerprint,
          source: sourcePrint,
          archive,
          match: sourcePrint.rows === archive.rows && sourcePrint.checksum === archive.checksum,
          copyMs: Math.round(copied - started),
          verifyMs: Math.round(performance.now() - copied),
        };
        jobSpan?.setAttribute('jivs.verification.match', verification.match);
        if (!verification.match) {
          const error = `verification failed: the source has ${sourcePrint.rows} rows (checksum ${sourcePrint.checksum}), the archive ${archive.rows} (checksum ${archive.checksum}); the source may have changed during the extraction; start it again to re-extract`;
          await finish(job.id, leaseId, 'failed', error, verification);
          metrics.extractions.inc({ event: 'failed' });
          observe('failed');
          log.warn({ ...fields, records_extracted: archive.rows }, `decision: failed, ${error}`);
          return;
        }
        const outcome = await ctx.db.transaction(async (tx) => {
          const { rows: state } = await tx.query<{ cancel_requested: boolean }>(SQL['lock-own-job'], [job.id, leaseId]);
          if (!state[0]) throw new LeaseLostError();
          // A cancel that arrived during verification still wins: the caller was told it would.
          if (state[0].cancel_requested) return 'cancelled' as const;
          await tx.query(SQL['record-dataset'], [job.id, job.archive_table, JSON.stringify(reader!.columns), archive.rows, archive.checksum]);
          await tx.query(SQL.finish, [job.id, leaseId, 'completed', null, JSON.stringify(verification)]);
          return 'completed' as const;
        });
        if (outcome === 'cancelled') {
          await dropArchive(ctx, job.archive_table);
          await finish(job.id, leaseId, 'cancelled', null);
          metrics.extractions.inc({ event: 'cancelled' });
          observe('cancelled');
          log.info(fields, 'decision: cancelled on request after the copy; archive dropped');
          return;
        }
        metrics.extractions.inc({ event: 'completed' });
        observe('completed');
        log.info(
          { ...fields, records_extracted: archive.rows, duration_ms: Math.round(performance.now() - started) },
          'decision: completed; row count and checksum match the source',
        );
      } finally {
        client.release();
      }
    } catch (e) {
      const error = classify(e);
      if (isLeaseLost(error)) {
        observe('lease_lost');
        log.warn(fields, 'decision: stop, another worker owns this extraction now');
        return;
      }
      if (isHandedBack(error)) throw error;
      const message = (error as Error).message;
      if (isJobInputError(error) || run.attempt >= RETRY_LIMIT) {
        await finish(job.id, leaseId, 'failed', message);
        metrics.extractions.inc({ event: 'failed' });
        observe('failed');
        log.warn({ ...fields, error: message }, 'decision: failed; retrying cannot help');
        return;
      }
      await finish(job.id, leaseId, 'queued', `attempt ${run.attempt + 1} failed: ${message}; retrying`);
      observe('retry');
      log.warn({ ...fields, error: message }, 'decision: retry from the last checkpoint');
      throw error;
    } finally {
      await reader?.close();
    }
  };
}

async function dropArchive(ctx: AppContext, table: string): Promise<void> {
  const client = await ctx.db.write.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS archive.${client.escapeIdentifier(table)}`);
  } finally {
    client.release();
  }
}
