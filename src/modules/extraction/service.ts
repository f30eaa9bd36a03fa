import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { conflict, isHttpError, notFound, unprocessable } from '../../http/errors.ts';
import { admit } from '../../jobs/admission.ts';
import type { SourcesModule } from '../sources/index.ts';
import { archiveTableName } from './archive-writer.ts';
import { classify, isJobInputError } from '../../jobs/attempts.ts';
import { openReader } from './readers/open-reader.ts';
import type { ExtractionSpec } from './spec.ts';

const SQL = sqlFiles(import.meta.dirname, ['insert-job', 'lock-job', 'count-in-flight', 'get-job', 'list-jobs', 'list-datasets']);

export type ExtractionStatus = 'created' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

interface JobRow {
  id: string;
  name: string;
  source_id: string;
  source_kind: string;
  source_name: string;
  spec: ExtractionSpec;
  status: ExtractionStatus;
  cancel_requested: boolean;
  archive_table: string;
  records_extracted: number;
  bytes_extracted: number;
  records_estimated: number | null;
  bytes_estimated: number | null;
  attempts: number;
  verification: unknown;
  error: string | null;
  queued_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  progress_at: Date | null;
  created_at: Date;
}

/** An extraction as the API shows it, with progress, rate and ETA. */
export function present(row: JobRow) {
  const end = row.finished_at ?? row.progress_at ?? new Date();
  const seconds = row.started_at ? Math.max(0.001, (end.getTime() - row.started_at.getTime()) / 1000) : 0;
  const records = Number(row.records_extracted);
  const bytes = Number(row.bytes_extracted);
  const rate = seconds > 0 ? records / seconds : 0;
  const byteRate = seconds > 0 ? bytes / seconds : 0;
  let percent: number | null = null;
  let etaSeconds: number | null = null;
  if (row.status === 'completed') {
    percent = 100;
    etaSeconds = 0;
  } else if (row.records_estimated && row.records_estimated > 0) {
    percent = Math.min(99.9, (records / row.records_estimated) * 100);
    etaSeconds = rate > 0 ? Math.max(0, (row.records_estimated - records) / rate) : null;
  } else if (row.bytes_estimated && row.bytes_estimated > 0) {
    percent = Math.min(99.9, (bytes / row.bytes_estimated) * 100);
    etaSeconds = byteRate > 0 ? Math.max(0, (row.bytes_estimated - bytes) / byteRate) : null;
  }
  return {
    id: row.id,
    name: row.name,
    source: { id: row.source_id, name: row.source_name, kind: row.source_kind },
    spec: row.spec,
    status: row.status,
    cancelRequested: row.cancel_requested,
    archiveTable: `archive.${row.archive_table}`,
    progress: {
      records,
      bytes,
      recordsEstimated: row.records_estimated === null ? null : Number(row.records_estimated),
      percent: percent === null ? null : Math.round(percent * 10) / 10,
      recordsPerSecond: Math.round(rate),
      etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
    },
    attempts: row.attempts,
    verification: row.verification ?? null,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    queuedAt: row.queued_at?.toISOString() ?? null,
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export type ExtractionView = ReturnType<typeof present>;

export interface CreateExtraction extends ExtractionSpec {
  name: string;
  sourceId: string;
}

/** Extraction jobs: create, start (through the pool's admission), cancel, list and inspect. */
export function createExtractionService(ctx: AppContext, sources: SourcesModule) {
  const countInFlight = async (client: Parameters<typeof admit>[0]) =>
    (await client.query<{ n: number }>(SQL['count-in-flight'])).rows[0]!.n;

  async function get(id: string): Promise<ExtractionView> {
    // Read-your-writes: a client polling its own job must see the latest state.
    const { rows } = await ctx.db.write.query<JobRow>(SQL['get-job'], [id]);
    if (!rows[0]) throw notFound('extraction', id);
    return present(rows[0]);
  }

  return {
    get,

    async create(input: CreateExtraction, userId: string): Promise<ExtractionView> {
      const source = await sources.resolve(input.sourceId).catch((e: unknown) => {
        if (isHttpError(e) && e.status === 404) throw unprocessable(`data source ${input.sourceId} does not exist`);
        throw e;
      });
      const spec: ExtractionSpec = {
        ...(input.table ? { table: input.table } : {}),
        ...(input.query ? { query: input.query } : {}),
        ...(input.keyColumns ? { keyColumns: input.keyColumns } : {}),
      };
      // Describe the source now, so a wrong table, query or file is a 422 at creation, not a failed job later.
      let estimate: { rows?: number; bytes?: number };
      try {
        const reader = await openReader(source, spec, ctx.config.sources.httpTimeoutMs);
        estimate = reader.estimate;
        await reader.close();
      } catch (e) {
        const error = classify(e);
        if (isJobInputError(error)) throw unprocessable(error.message);
        throw unprocessable(`cannot read the source now: ${(error as Error).message}; check it with POST /api/v1/sources/${source.id}/test`);
      }
      const id = randomUUID();
      const { rows } = await ctx.db.write.query<{ id: string }>(SQL['insert-job'], [
        id,
        input.name,
        source.id,
        JSON.stringify(spec),
        archiveTableName(id),
        estimate.rows ?? null,
        estimate.bytes ?? null,
        userId,
      ]);
      ctx.metrics.extractions.inc({ event: 'created' });
      return get(rows[0]!.id);
    },

    async start(id: string): Promise<ExtractionView> {
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ status: ExtractionStatus }>(SQL['lock-job'], [id]);
        const job = rows[0];
        if (!job) throw notFound('extraction', id);
        if (job.status === 'queued' || job.status === 'running') throw conflict(`extraction ${id} is already ${job.status}`);
        if (job.status === 'completed') throw conflict(`extraction ${id} is completed; create a new extraction to extract again`);
        await admit(client, 'extraction', ctx.config.jobs.pools, countInFlight, ctx.metrics);
        // A cancelled job's partial archive was dropped, so it starts over; a failed one resumes.
        await client.query(
          `UPDATE extraction_jobs
              SET status = 'queued', queued_at = now(), cancel_requested = false, error = NULL, finished_at = NULL,
                  checkpoint = CASE WHEN status = 'cancelled' THEN NULL ELSE checkpoint END,
                  records_extracted = CASE WHEN status = 'cancelled' THEN 0 ELSE records_extracted END,
                  bytes_extracted = CASE WHEN status = 'cancelled' THEN 0 ELSE bytes_extracted END
            WHERE id = $1`,
          [id],
        );
        await ctx.queue.send('extraction', { extractionId: id }, client);
      });
      return get(id);
    },

    async cancel(id: string): Promise<ExtractionView> {
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ status: ExtractionStatus; archive_table: string }>(SQL['lock-job'], [id]);
        const job = rows[0];
        if (!job) throw notFound('extraction', id);
        if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') {
          throw conflict(`extraction ${id} is ${job.status}; only created, queued or running extractions can be cancelled`);
        }
        if (job.status === 'running') {
          // The worker sees this at its next checkpoint, stops and drops the partial archive.
          await client.query('UPDATE extraction_jobs SET cancel_requested = true WHERE id = $1', [id]);
        } else {
          await client.query(
            `UPDATE extraction_jobs SET status = 'cancelled', cancel_requested = true, finished_at = now() WHERE id = $1`,
            [id],
          );
          await client.query(`DROP TABLE IF EXISTS archive.${client.escapeIdentifier(job.archive_table)}`);
          ctx.metrics.extractions.inc({ event: 'cancelled' });
        }
      });
      return get(id);
    },

    async list(status: ExtractionStatus | undefined, limit: number, offset: number): Promise<ExtractionView[]> {
      const { rows } = await ctx.db.read().query<JobRow>(SQL['list-jobs'], [status ?? null, limit, offset]);
      return rows.map(present);
    },

    async datasets(limit: number, offset: number) {
      const { rows } = await ctx.db.read().query<{
        id: string;
        extraction_id: string;
        name: string;
        table_name: string;
        columns: unknown;
        row_count: number;
        checksum: string;
        created_at: Date;
      }>(SQL['list-datasets'], [limit, offset]);
      return rows.map((r) => ({
        id: r.id,
        extractionId: r.extraction_id,
        name: r.name,
        table: `archive.${r.table_name}`,
        columns: r.columns,
        rowCount: Number(r.row_count),
        checksum: r.checksum,
        createdAt: r.created_at.toISOString(),
      }));
    },
  };
}

export type ExtractionService = ReturnType<typeof createExtractionService>;
