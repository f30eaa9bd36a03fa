import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { conflict, notFound, unprocessable } from '../../http/errors.ts';
import { admit } from '../../jobs/admission.ts';
import type { AuditModule } from '../audit/index.ts';
import { findDataset } from './datasets.ts';
import type { DatasetProfile } from './profiler.ts';
import type { Requester } from './requester.ts';
import type { Dimension, RuleSnapshot } from './rule-spec.ts';
import { round2, type Scores } from './scoring.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'dataset-rules',
  'count-in-flight',
  'insert-check',
  'get-check',
  'list-checks',
  'check-issues',
  'check-profile',
]);

export type CheckStatus = 'queued' | 'running' | 'completed' | 'failed';
export type CheckTrigger = 'manual' | 'schedule';

/** What a check job carries: a queued check, or (from a schedule) the dataset to check now. */
export type QualityJobData = { checkId: string } | { datasetId: string };

interface CheckRow {
  id: string;
  dataset_id: string;
  status: CheckStatus;
  trigger: CheckTrigger;
  attempts: number;
  total_rows: string | null;
  scores: Scores | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A row of quality_rule_results, as jsonb_agg renders it. */
interface ResultRow {
  rule_id: string;
  dimension: Dimension;
  evaluated_rows: number;
  failing_rows: number;
  score: number;
  passed: boolean;
  observed: Record<string, unknown> | null;
}

interface CheckDetailRow extends CheckRow {
  rules: RuleSnapshot[];
  profile_requested: boolean;
  results: ResultRow[];
}

const presentScores = (scores: Scores) => ({
  overall: scores.overall === null ? null : round2(scores.overall),
  dimensions: Object.fromEntries(Object.entries(scores.dimensions).map(([d, s]) => [d, round2(s)])),
});

const summary = (row: CheckRow) => ({
  id: row.id,
  datasetId: row.dataset_id,
  status: row.status,
  trigger: row.trigger,
  attempts: row.attempts,
  totalRows: row.total_rows === null ? null : Number(row.total_rows),
  scores: row.scores ? presentScores(row.scores) : null,
  error: row.error,
  createdAt: row.created_at.toISOString(),
  startedAt: row.started_at?.toISOString() ?? null,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

function detail(row: CheckDetailRow) {
  const results = new Map(row.results.map((r) => [r.rule_id, r]));
  return {
    ...summary(row),
    profileRequested: row.profile_requested,
    rules: row.rules.map((rule) => {
      const result = results.get(rule.id);
      return {
        ruleId: rule.id,
        name: rule.name,
        dimension: rule.dimension,
        kind: rule.definition.kind,
        status: result ? (result.passed ? 'passed' : 'failed') : 'pending',
        evaluatedRows: result?.evaluated_rows ?? null,
        failingRows: result?.failing_rows ?? null,
        score: result ? round2(result.score) : null,
        observed: result?.observed ?? null,
      };
    }),
  };
}

export type CheckSummary = ReturnType<typeof summary>;
export type CheckView = ReturnType<typeof detail>;

/** Check runs: queued through the quality pool's admission, then inspected. */
export function createChecksService(ctx: AppContext, audit: AuditModule) {
  const countInFlight = async (client: Parameters<typeof admit>[0]) =>
    (await client.query<{ n: number }>(SQL['count-in-flight'])).rows[0]!.n;

  async function get(id: string): Promise<CheckView> {
    // Read-your-writes: a client polling its own check must see the latest state.
    const { rows } = await ctx.db.write.query<CheckDetailRow>(SQL['get-check'], [id]);
    if (!rows[0]) throw notFound('quality check', id);
    return detail(rows[0]);
  }

  return {
    get,

    /**
     * Queues a check of the dataset's current rules. The check row, its job and the audit entry
     * are written in one transaction, after the pool admitted it (429 `pool_full` otherwise).
     */
    async start(
      datasetId: string,
      options: { trigger: CheckTrigger; profile: boolean; requester?: Requester },
    ): Promise<CheckView> {
      const id = randomUUID();
      await ctx.db.transaction(async (client) => {
        if (!(await findDataset(client, datasetId))) {
          throw unprocessable(`dataset ${datasetId} does not exist; see GET /api/v1/archive/datasets`);
        }
        const { rows: rules } = await client.query<RuleSnapshot>(SQL['dataset-rules'], [datasetId]);
        if (rules.length === 0) {
          throw unprocessable(`dataset ${datasetId} has no quality rules; create them with POST /api/v1/quality/rules first`);
        }
        await admit(client, 'quality', ctx.config.jobs.pools, countInFlight, ctx.metrics);
        await client.query(SQL['insert-check'], [
          id,
          datasetId,
          options.trigger,
          JSON.stringify(rules),
          options.profile,
          options.requester?.actor.userId ?? null,
        ]);
        await ctx.queue.send('quality', { checkId: id } satisfies QualityJobData, client);
        await audit.record(
          {
            actor: options.requester?.actor ?? null,
            sourceIp: options.requester?.sourceIp,
            action: 'quality.check.start',
            target: `quality_check:${id}`,
            outcome: 'success',
            details: { datasetId, trigger: options.trigger, rules: rules.length },
          },
          client,
        );
      });
      return get(id);
    },

    async list(
      filter: { datasetId?: string | undefined; status?: CheckStatus | undefined },
      limit: number,
      offset: number,
    ): Promise<CheckSummary[]> {
      const { rows } = await ctx.db
        .read()
        .query<CheckRow>(SQL['list-checks'], [filter.datasetId ?? null, filter.status ?? null, limit, offset]);
      return rows.map(summary);
    },

    /** The rules a check found not passing, with up to five failing rows each. */
    async issues(id: string) {
      const { rows } = await ctx.db.write.query<{
        rules: RuleSnapshot[];
        issues: Array<{ rule_id: string; dimension: Dimension; failing_rows: number; samples: unknown[]; detail: string }>;
      }>(SQL['check-issues'], [id]);
      if (!rows[0]) throw notFound('quality check', id);
      const rules = new Map(rows[0].rules.map((r) => [r.id, r]));
      return rows[0].issues.map((issue) => ({
        ruleId: issue.rule_id,
        ruleName: rules.get(issue.rule_id)?.name ?? null,
        kind: rules.get(issue.rule_id)?.definition.kind ?? null,
        dimension: issue.dimension,
        failingRows: issue.failing_rows,
        detail: issue.detail,
        samples: issue.samples,
      }));
    },

    async profile(id: string): Promise<DatasetProfile> {
      const { rows } = await ctx.db.write.query<{ status: CheckStatus; profile_requested: boolean; profile: DatasetProfile | null }>(
        SQL['check-profile'],
        [id],
      );
      const row = rows[0];
      if (!row) throw notFound('quality check', id);
      if (!row.profile_requested) throw notFound('profile of quality check', `${id} (the check was started without profile: true)`);
      if (!row.profile) throw conflict(`the profile of check ${id} is not ready: the check is ${row.status}`);
      return row.profile;
    },
  };
}

export type ChecksService = ReturnType<typeof createChecksService>;
