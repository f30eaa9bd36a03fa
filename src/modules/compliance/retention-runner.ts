import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { RETRY_LIMIT, type JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import type { AuditModule } from '../audit/index.ts';
import { isLeaseLost, LeaseLostError } from '../../jobs/attempts.ts';
import { auditEntry, SERVICE } from './actor.ts';
import { activeHolds, archiveTable, datasetsWithPii, lockDatasets } from './datasets.ts';
import type { Discovery } from './discovery.ts';
import type { ComplianceMetrics } from './metrics.ts';
import type { RetentionJob } from './retention.ts';
import { anonymiseAssignments, notAnonymisedPredicate, SqlParams } from './row-sql.ts';
import { effectiveTargets } from './targets.ts';

const SQL = sqlFiles(import.meta.dirname, ['claim-run', 'lock-own-run', 'finish-run', 'fail-run', 'update-row-count', 'policy-exists']);

interface ClaimedRun {
  id: string;
  policy_id: string;
  dataset_id: string;
  trigger: 'manual' | 'schedule';
  requested_by: string | null;
}

interface OwnRun {
  date_column: string;
  keep_for_days: number;
  action: 'delete' | 'anonymise';
  cutoff: string;
}

type Outcome =
  | { status: 'completed'; action: OwnRun['action']; cutoff: string; rows: number; note?: string }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string };

/**
 * The worker side of retention: deletes or anonymises the rows of a dataset whose date column
 * is older than the policy's cut-off, in one transaction with the run's record and the audit
 * entry. A dataset under legal hold is not touched: the run is recorded as skipped.
 */
export function createRetentionRunner(ctx: AppContext, audit: AuditModule, discovery: Discovery, metrics: ComplianceMetrics) {
  const log = named(ctx.log, 'compliance');

  async function apply(client: pg.PoolClient, run: ClaimedRun, leaseId: string): Promise<Outcome> {
    await client.query('SET LOCAL statement_timeout = 0');
    const { rows } = await client.query<OwnRun>(SQL['lock-own-run'], [run.id, leaseId]);
    const policy = rows[0];
    if (!policy) throw new LeaseLostError();
    await lockDatasets(client, [run.dataset_id]);
    const holds = (await activeHolds(client, [run.dataset_id])).get(run.dataset_id) ?? [];
    if (holds.length > 0) {
      await client.query(SQL['finish-run'], [run.id, leaseId, 'skipped', null, 0, 'legal hold', JSON.stringify(holds)]);
      return { status: 'skipped', reason: `legal hold ${holds.map((h) => h.id).join(', ')}` };
    }
    const dataset = (await datasetsWithPii(client)).find((d) => d.id === run.dataset_id);
    const column = dataset?.columns.find((c) => c.name === policy.date_column);
    if (!dataset || !column) {
      const reason =
        `dataset ${run.dataset_id} no longer has column "${policy.date_column}" (re-extracted with other columns?); ` +
        'delete the policy and create one that fits';
      await client.query(SQL['fail-run'], [run.id, leaseId, reason, true]);
      return { status: 'failed', reason };
    }
    const escape = (s: string) => client.escapeIdentifier(s);
    const params = new SqlParams();
    const old = `t.${escape(column.name)} < ${params.add(policy.cutoff)}::timestamptz`;
    const table = `${archiveTable(client, dataset.tableName)} AS t`;
    let affected = 0;
    let note: string | undefined;
    if (policy.action === 'delete') {
      affected = (await client.query(`DELETE FROM ${table} WHERE ${old}`, params.values)).rowCount ?? 0;
      if (affected > 0) await client.query(SQL['update-row-count'], [dataset.id, affected]);
    } else {
      const targets = effectiveTargets(dataset);
      if (targets.length === 0) {
        note = 'no PII columns are catalogued for this dataset; nothing to anonymise';
      } else {
        const sets = anonymiseAssignments(targets, params, escape);
        const pending = notAnonymisedPredicate(targets, params, escape);
        affected = (await client.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${old} AND ${pending}`, params.values)).rowCount ?? 0;
      }
    }
    await client.query(SQL['finish-run'], [run.id, leaseId, 'completed', policy.cutoff, affected, note ?? null, null]);
    return { status: 'completed', action: policy.action, cutoff: policy.cutoff, rows: affected, ...(note ? { note } : {}) };
  }

  return async function runRetention(job: JobRun<RetentionJob>): Promise<void> {
    const leaseId = randomUUID();
    const { rows } = await ctx.db.write.query<ClaimedRun>(SQL['claim-run'], [job.id, job.data.policyId, leaseId]);
    const run = rows[0];
    const fields = { retention_run_id: job.id, policy_id: job.data.policyId, attempt: job.attempt + 1 };
    if (!run) {
      if ((await ctx.db.write.query(SQL['policy-exists'], [job.data.policyId])).rowCount === 0) {
        // Deleted with its runs; a schedule left behind by a failed commit goes too.
        await ctx.queue.unschedule('compliance', job.data.policyId);
        log.info(fields, 'decision: skip, the policy no longer exists; its schedule is removed');
      } else {
        log.info(fields, 'decision: skip, the run is already finished');
      }
      return;
    }
    try {
      await discovery.ensureScanned();
      const outcome = await ctx.db.transaction(async (client) => {
        const result = await apply(client, run, leaseId);
        const details = { policyId: run.policy_id, datasetId: run.dataset_id, trigger: run.trigger, requestedBy: run.requested_by, ...result };
        const entry = auditEntry(SERVICE, 'retention.run', `retention_run:${run.id}`, details);
        await audit.record({ ...entry, outcome: result.status === 'failed' ? 'failure' : 'success' }, client);
        return result;
      });
      if (outcome.status === 'completed') {
        metrics.retentionRowsRemoved.inc({ action: outcome.action }, outcome.rows);
        log.info(
          { ...fields, dataset_id: run.dataset_id, rows_affected: outcome.rows, cutoff: outcome.cutoff },
          `decision: completed; ${outcome.action} of rows older than the cut-off`,
        );
      } else {
        log.info({ ...fields, dataset_id: run.dataset_id }, `decision: ${outcome.status}, ${outcome.reason}; nothing was changed`);
      }
    } catch (e) {
      if (isLeaseLost(e)) {
        log.warn(fields, 'decision: stop, another worker owns this run now');
        return;
      }
      const message = (e as Error).message;
      const last = job.attempt >= RETRY_LIMIT;
      await ctx.db.write.query(SQL['fail-run'], [run.id, leaseId, message, last]);
      const decision = last ? 'decision: failed; no attempts left' : 'decision: retry';
      log.warn({ ...fields, error: message }, `${decision}; nothing was changed by this attempt`);
      if (!last) throw e;
    }
  };
}
