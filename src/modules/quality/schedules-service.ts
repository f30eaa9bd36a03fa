import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import type { QualityJobData } from './checks-service.ts';
import { findDataset } from './datasets.ts';
import type { Requester } from './requester.ts';

const SQL = sqlFiles(import.meta.dirname, ['upsert-schedule', 'delete-schedule', 'list-schedules']);

interface ScheduleRow {
  dataset_id: string;
  cron: string;
  updated_at: Date;
}

const present = (row: ScheduleRow) => ({
  datasetId: row.dataset_id,
  cron: row.cron,
  timezone: 'UTC',
  updatedAt: row.updated_at.toISOString(),
});

export type ScheduleView = ReturnType<typeof present>;

/**
 * pg-boss refuses an expression it cannot evaluate (cron-parser's error, or an assertion) before
 * it writes anything; such an error carries no SQLSTATE or system code, unlike a database or
 * network failure, which stays a server error.
 */
function isExpressionRefusal(e: unknown): e is Error {
  const code = (e as { code?: unknown }).code;
  return e instanceof Error && (code === undefined || code === 'ERR_ASSERTION');
}

/**
 * Check schedules: pg-boss runs them (once across the cluster, UTC); `quality_schedules`
 * mirrors them for listing. The schedule is keyed by the dataset id.
 */
export function createSchedulesService(ctx: AppContext, audit: AuditModule) {
  return {
    async set(datasetId: string, cron: string, requester: Requester): Promise<ScheduleView> {
      if (!(await findDataset(ctx.db.write, datasetId))) throw notFound('dataset', datasetId);
      try {
        await ctx.queue.schedule('quality', datasetId, cron, { datasetId } satisfies QualityJobData);
      } catch (e) {
        if (isExpressionRefusal(e)) throw badRequest(`cron expression ${JSON.stringify(cron)} is not valid: ${e.message}`);
        throw e;
      }
      return ctx.db.transaction(async (client) => {
        const { rows } = await client.query<ScheduleRow>(SQL['upsert-schedule'], [datasetId, cron, requester.actor.userId]);
        await audit.record(
          { ...requester, action: 'quality.schedule.set', target: `dataset:${datasetId}`, outcome: 'success', details: { cron } },
          client,
        );
        return present(rows[0]!);
      });
    },

    async remove(datasetId: string, requester: Requester): Promise<void> {
      await ctx.db.transaction(async (client) => {
        const { rowCount } = await client.query(SQL['delete-schedule'], [datasetId]);
        if (!rowCount) throw notFound('quality schedule of dataset', datasetId);
        await audit.record(
          { ...requester, action: 'quality.schedule.remove', target: `dataset:${datasetId}`, outcome: 'success' },
          client,
        );
        // Last, so a failure before it leaves both the row and the pg-boss schedule in place.
        await ctx.queue.unschedule('quality', datasetId);
      });
    },

    async list(limit: number, offset: number): Promise<ScheduleView[]> {
      const { rows } = await ctx.db.read().query<ScheduleRow>(SQL['list-schedules'], [limit, offset]);
      return rows.map(present);
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
