import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { isHttpError } from '../../http/errors.ts';
import { RETRY_LIMIT, type JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import { classify, isJobInputError, isLeaseLost, JobInputError, LeaseLostError } from '../../jobs/attempts.ts';
import type { ChecksService, QualityJobData } from './checks-service.ts';
import { findDataset } from './datasets.ts';
import { issueDetail } from './issue-detail.ts';
import type { QualityMetrics } from './metrics.ts';
import { profileDataset } from './profiler.ts';
import { compileRule, type DatasetRef } from './rule-sql.ts';
import type { RuleSnapshot } from './rule-spec.ts';
import { aggregateScores, type RuleOutcome } from './scoring.ts';
import { openScanSession, type ScanSession } from './scan-session.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'claim-check',
  'lock-own-check',
  'record-result',
  'record-issue',
  'record-profile',
  'result-scores',
  'finish-check',
]);

const jobData = z.union([z.object({ checkId: z.uuid() }), z.object({ datasetId: z.uuid() })]);

interface ClaimedCheck {
  id: string;
  dataset_id: string;
  rules: RuleSnapshot[];
  profile_requested: boolean;
  has_profile: boolean;
  /** Rules an earlier attempt already recorded. */
  done: string[];
}

async function lockOwnCheck(client: pg.PoolClient, id: string, leaseId: string): Promise<void> {
  const { rowCount } = await client.query(SQL['lock-own-check'], [id, leaseId]);
  if (!rowCount) throw new LeaseLostError();
}

/**
 * The worker side of quality checks: one call per job. A job from a schedule queues a check
 * (through the pool's admission, like a request); a check job evaluates each rule on the
 * analytics pool and records its result in a transaction fenced by the attempt's lease (the
 * checkpoint), so a retry continues after the last recorded rule. Each run ends in one
 * `decision:` log line.
 */
export function createQualityRunner(ctx: AppContext, checks: ChecksService, metrics: QualityMetrics) {
  const log = named(ctx.log, 'quality');

  async function queueScheduled(datasetId: string): Promise<void> {
    try {
      const view = await checks.start(datasetId, { trigger: 'schedule', profile: false });
      log.info({ dataset_id: datasetId, check_id: view.id }, 'decision: scheduled check queued');
    } catch (e) {
      if (!isHttpError(e) || e.status >= 500) throw e;
      if (!(await findDataset(ctx.db.write, datasetId))) {
        await ctx.queue.unschedule('quality', datasetId);
        log.info({ dataset_id: datasetId }, 'decision: schedule removed, its dataset no longer exists');
        return;
      }
      log.warn({ dataset_id: datasetId, error: e.message }, 'decision: scheduled check skipped this time');
    }
  }

  async function recordRule(checkId: string, leaseId: string, rule: RuleSnapshot, outcome: RuleOutcome, samples: unknown[]) {
    await ctx.db.transaction(async (tx) => {
      await lockOwnCheck(tx, checkId, leaseId);
      await tx.query(SQL['record-result'], [
        checkId,
        rule.id,
        rule.dimension,
        outcome.evaluatedRows,
        outcome.failingRows,
        outcome.score,
        outcome.passed,
        outcome.observed ? JSON.stringify(outcome.observed) : null,
      ]);
      if (!outcome.passed) {
        await tx.query(SQL['record-issue'], [
          checkId,
          rule.id,
          rule.dimension,
          outcome.failingRows,
          JSON.stringify(samples),
          issueDetail(rule.definition, outcome),
        ]);
      }
    });
  }

  async function evaluate(session: ScanSession, dataset: DatasetRef, rule: RuleSnapshot, total: number) {
    const { client } = session;
    const definition = rule.definition;
    let target: DatasetRef | undefined;
    if (definition.kind === 'references') {
      target = (await findDataset(ctx.db.write, definition.datasetId)) ?? undefined;
      if (!target) throw new JobInputError(`rule "${rule.name}" references dataset ${definition.datasetId}, which no longer exists`);
    }
    const plan = compileRule(definition, dataset, (n) => client.escapeIdentifier(n), target);
    const { rows } = await client.query<Record<string, unknown>>(plan.measure, plan.params);
    const outcome = plan.outcome(rows[0]!, total);
    const samples = outcome.passed
      ? []
      : (await client.query<{ sample: unknown }>(plan.samples, plan.params)).rows.map((r) => r.sample);
    return { outcome, samples };
  }

  async function runCheck(run: JobRun<QualityJobData>, checkId: string): Promise<void> {
    const leaseId = randomUUID();
    const { rows } = await ctx.db.write.query<ClaimedCheck>(SQL['claim-check'], [checkId, leaseId]);
    const check = rows[0];
    if (!check) {
      log.info({ check_id: checkId }, 'decision: skip, the check is no longer queued or running');
      return;
    }
    const fields = { check_id: check.id, dataset_id: check.dataset_id, attempt: run.attempt + 1 };
    const started = performance.now();
    const finish = (status: 'completed' | 'failed' | 'queued', error: string | null) =>
      ctx.db.write.query(SQL['finish-check'], [check.id, leaseId, status, error, null, null]);
    let session: ScanSession | undefined;
    try {
      const dataset = await findDataset(ctx.db.write, check.dataset_id);
      if (!dataset) throw new JobInputError(`dataset ${check.dataset_id} no longer exists`);
      session = await openScanSession(ctx.db.analytics, run.signal);
      const { rows: counted } = await session.client.query<{ n: string }>(
        `SELECT count(*) AS n FROM archive.${session.client.escapeIdentifier(dataset.table)}`,
      );
      const total = Number(counted[0]!.n);
      const done = new Set(check.done);
      if (done.size > 0) log.info({ ...fields, rules_done: done.size }, `resuming after ${done.size} recorded rules`);

      for (const rule of check.rules.filter((r) => !done.has(r.id))) {
        if (run.signal.aborted) throw new Error('stopping for shutdown');
        const { outcome, samples } = await evaluate(session, dataset, rule, total);
        await recordRule(check.id, leaseId, rule, outcome, samples);
        metrics.rulesExecuted.inc({ dimension: rule.dimension, outcome: outcome.passed ? 'passed' : 'failed' });
        if (!outcome.passed) metrics.issuesDetected.inc({ dimension: rule.dimension });
        log.debug({ ...fields, rule_id: rule.id, failing_rows: outcome.failingRows, score: outcome.score }, 'rule recorded');
      }

      if (check.profile_requested && !check.has_profile) {
        const profile = await profileDataset(session.client, dataset);
        const { rowCount } = await ctx.db.write.query(SQL['record-profile'], [check.id, leaseId, JSON.stringify(profile)]);
        if (!rowCount) throw new LeaseLostError();
      }

      const scores = await ctx.db.transaction(async (tx) => {
        await lockOwnCheck(tx, check.id, leaseId);
        const { rows: results } = await tx.query<Parameters<typeof aggregateScores>[0][number]>(SQL['result-scores'], [check.id]);
        const scores = aggregateScores(results);
        await tx.query(SQL['finish-check'], [check.id, leaseId, 'completed', null, total, JSON.stringify(scores)]);
        return scores;
      });
      log.info(
        { ...fields, total_rows: total, overall_score: scores.overall, duration_ms: Math.round(performance.now() - started) },
        'decision: completed; scores recorded',
      );
    } catch (e) {
      if (isLeaseLost(e)) {
        log.warn(fields, 'decision: stop, another worker owns this check now');
        return;
      }
      const message = (e as Error).message;
      if (run.signal.aborted) {
        await finish('queued', null);
        log.info(fields, 'decision: handed back at shutdown; the next attempt continues after the last recorded rule');
        throw e;
      }
      if (isJobInputError(classify(e)) || run.attempt >= RETRY_LIMIT) {
        await finish('failed', message);
        log.warn({ ...fields, error: message }, 'decision: failed; retrying cannot help');
        return;
      }
      await finish('queued', `attempt ${run.attempt + 1} failed: ${message}; retrying`);
      log.warn({ ...fields, error: message }, 'decision: retry; rules already recorded are kept');
      throw e;
    } finally {
      session?.close();
    }
  }

  return async function runQualityJob(run: JobRun<QualityJobData>): Promise<void> {
    const parsed = jobData.safeParse(run.data);
    if (!parsed.success) {
      log.warn({ job_id: run.id }, 'decision: drop, the job carries neither a check id nor a dataset id');
      return;
    }
    const data = parsed.data;
    if ('checkId' in data) await runCheck(run, data.checkId);
    else await queueScheduled(data.datasetId);
  };
}
