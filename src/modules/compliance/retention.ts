import type pg from 'pg';
import type { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { badRequest, conflict, notFound, unprocessable } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { auditEntry, type Actor } from './actor.ts';
import { admitCompliance } from './pool.ts';
import { isDateColumn, isUuid, requireDataset } from './datasets.ts';
import type { createPolicyBody } from './schemas.ts';

const SQL = sqlFiles(import.meta.dirname, ['insert-policy', 'list-policies', 'delete-policy', 'insert-run', 'list-runs']);

/** Job data of a retention run (on demand or from the policy's schedule). */
export interface RetentionJob {
  kind: 'retention';
  policyId: string;
}

interface PolicyRow {
  id: string;
  dataset_id: string;
  table_name: string;
  date_column: string;
  keep_for_days: number;
  action: 'delete' | 'anonymise';
  cron: string | null;
  created_by: string | null;
  created_at: Date;
}

interface RunRow {
  id: string;
  policy_id: string;
  dataset_id: string;
  trigger: string;
  status: string;
  attempts: number;
  cutoff: Date | null;
  rows_affected: string | null;
  skip_reason: string | null;
  legal_holds: unknown;
  error: string | null;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const presentPolicy = (r: PolicyRow) => ({
  id: r.id,
  datasetId: r.dataset_id,
  table: `archive.${r.table_name}`,
  dateColumn: r.date_column,
  keepForDays: r.keep_for_days,
  action: r.action,
  cron: r.cron,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

const presentRun = (r: RunRow) => ({
  id: r.id,
  policyId: r.policy_id,
  datasetId: r.dataset_id,
  trigger: r.trigger,
  status: r.status,
  attempts: r.attempts,
  cutoff: r.cutoff?.toISOString() ?? null,
  rowsAffected: r.rows_affected === null ? null : Number(r.rows_affected),
  skipReason: r.skip_reason,
  legalHolds: r.legal_holds ?? null,
  error: r.error,
  requestedBy: r.requested_by,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

const isSqlError = (e: unknown) => typeof (e as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);

/** Retention policies per dataset, and their runs (on demand here; scheduled ones come from pg-boss). */
export function createRetention(ctx: AppContext, audit: AuditModule) {
  async function findPolicy(db: pg.Pool | pg.PoolClient, id: string): Promise<PolicyRow | undefined> {
    if (!isUuid(id)) return undefined;
    return (await db.query<PolicyRow>(SQL['list-policies'], [id, null, 1, 0])).rows[0];
  }

  async function getPolicy(id: string) {
    const row = await findPolicy(ctx.db.write, id);
    if (!row) throw notFound('retention policy', id);
    return presentPolicy(row);
  }

  async function getRun(id: string) {
    const { rows } = isUuid(id) ? await ctx.db.write.query<RunRow>(SQL['list-runs'], [id, null, 1, 0]) : { rows: [] };
    if (!rows[0]) throw notFound('retention run', id);
    return presentRun(rows[0]);
  }

  return {
    getPolicy,
    getRun,

    async listPolicies(datasetId: string | undefined, limit: number, offset: number) {
      const { rows } = await ctx.db.read().query<PolicyRow>(SQL['list-policies'], [null, datasetId ?? null, limit, offset]);
      return rows.map(presentPolicy);
    },

    /** Validates the dataset and its date column, then stores the policy and its schedule. */
    async createPolicy(input: z.infer<typeof createPolicyBody>, actor: Actor) {
      const id = await ctx.db.transaction(async (client) => {
        const dataset = await requireDataset(client, input.datasetId);
        const column = dataset.columns.find((c) => c.name === input.dateColumn);
        if (!column) {
          throw unprocessable(
            `dataset ${dataset.id} has no column "${input.dateColumn}"; ` +
              `its columns: ${dataset.columns.map((c) => `${c.name} (${c.type})`).join(', ')}`,
          );
        }
        if (!isDateColumn(column)) {
          throw unprocessable(
            `column "${column.name}" is ${column.type}; retention needs a date or timestamp column to tell a row's age` +
              (column.type === 'text' ? ' (CSV columns are archived as text)' : ''),
          );
        }
        let policyId: string;
        try {
          const { rows } = await client.query<{ id: string }>(SQL['insert-policy'], [
            dataset.id,
            column.name,
            input.keepForDays,
            input.action,
            input.cron ?? null,
            actor.userId,
          ]);
          policyId = rows[0]!.id;
        } catch (e) {
          if ((e as { code?: string }).code === '23505') throw conflict(`dataset ${dataset.id} already has a retention policy; delete it first`);
          throw e;
        }
        if (input.cron) {
          // If the commit below fails, the schedule outlives the policy; its job then finds no
          // policy and removes the schedule.
          const job: RetentionJob = { kind: 'retention', policyId };
          await ctx.queue.schedule('compliance', policyId, input.cron, job).catch((e: unknown) => {
            throw isSqlError(e) ? e : badRequest(`cron: ${(e as Error).message}`);
          });
        }
        await audit.record(
          auditEntry(actor, 'retention.policy.create', `retention_policy:${policyId}`, {
            datasetId: dataset.id,
            dateColumn: column.name,
            keepForDays: input.keepForDays,
            action: input.action,
            cron: input.cron ?? null,
          }),
          client,
        );
        return policyId;
      });
      return getPolicy(id);
    },

    async deletePolicy(id: string, actor: Actor): Promise<void> {
      if (!isUuid(id)) throw notFound('retention policy', id);
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ dataset_id: string; cron: string | null }>(SQL['delete-policy'], [id]);
        if (!rows[0]) throw notFound('retention policy', id);
        if (rows[0].cron) await ctx.queue.unschedule('compliance', id);
        await audit.record(auditEntry(actor, 'retention.policy.delete', `retention_policy:${id}`, { datasetId: rows[0].dataset_id }), client);
      });
    },

    /** Queues a run now, through the pool's admission. */
    async runNow(id: string, actor: Actor) {
      const runId = await ctx.db.transaction(async (client) => {
        const policy = await findPolicy(client, id);
        if (!policy) throw notFound('retention policy', id);
        await admitCompliance(ctx, client);
        // The run is named by its job's id, which is how the worker finds it.
        const jobId = await ctx.queue.send('compliance', { kind: 'retention', policyId: policy.id } satisfies RetentionJob, client);
        await client.query(SQL['insert-run'], [jobId, policy.id, policy.dataset_id, actor.userId]);
        return jobId;
      });
      return getRun(runId);
    },

    async listRuns(policyId: string, limit: number, offset: number) {
      await getPolicy(policyId);
      const { rows } = await ctx.db.read().query<RunRow>(SQL['list-runs'], [null, policyId, limit, offset]);
      return rows.map(presentRun);
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
