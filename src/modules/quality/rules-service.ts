import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { badRequest, notFound, unprocessable } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { findDataset } from './datasets.ts';
import { asClientError } from './probe-errors.ts';
import type { Requester } from './requester.ts';
import { compileRule, rangeOrderCheck, validateRule, type DatasetRef } from './rule-sql.ts';
import { DIMENSION_OF, defaultRuleName, type Dimension, type RuleDefinition } from './rule-spec.ts';

const SQL = sqlFiles(import.meta.dirname, ['insert-rule', 'get-rule', 'list-rules', 'delete-rule']);

interface RuleRow {
  id: string;
  dataset_id: string;
  name: string;
  dimension: Dimension;
  definition: RuleDefinition;
  created_at: Date;
}

const present = (row: RuleRow) => ({
  id: row.id,
  datasetId: row.dataset_id,
  name: row.name,
  dimension: row.dimension,
  rule: row.definition,
  createdAt: row.created_at.toISOString(),
});

export type RuleView = ReturnType<typeof present>;

export interface CreateRule {
  datasetId: string;
  name?: string | undefined;
  rule: RuleDefinition;
}

/**
 * Tries a rule against its dataset without scanning it: the regex compiles in PostgreSQL, range
 * bounds read as the column's type and are in order, and both statements of the rule plan
 * (EXPLAIN binds the parameters and resolves every operator and type).
 */
async function tryRule(client: pg.PoolClient, rule: RuleDefinition, dataset: DatasetRef, target?: DatasetRef): Promise<void> {
  if (rule.kind === 'regex') {
    await client.query("SELECT '' ~ $1", [rule.pattern]).catch((e: unknown) => {
      throw asClientError(e, `pattern ${JSON.stringify(rule.pattern)} is not a regular expression PostgreSQL accepts`);
    });
  }
  const order = rangeOrderCheck(rule, dataset);
  if (order && rule.kind === 'range') {
    const { rows } = await client.query<{ inverted: boolean }>(order.text, order.values).catch((e: unknown) => {
      throw asClientError(e, `a bound of the range does not suit column "${rule.column}"`);
    });
    if (rows[0]!.inverted) throw badRequest('the range is empty: min is greater than max');
  }
  const plan = compileRule(rule, dataset, (n) => client.escapeIdentifier(n), target);
  for (const text of [plan.measure, plan.samples]) {
    await client.query(`EXPLAIN ${text}`, plan.params).catch((e: unknown) => {
      throw asClientError(e, `the ${rule.kind} rule cannot apply to dataset ${dataset.id}`);
    });
  }
}

/** Quality rules: created only after they are known to run on their dataset. */
export function createRulesService(ctx: AppContext, audit: AuditModule) {
  return {
    async create(input: CreateRule, requester: Requester): Promise<RuleView> {
      const { rule } = input;
      const dataset = await findDataset(ctx.db.write, input.datasetId);
      if (!dataset) throw unprocessable(`dataset ${input.datasetId} does not exist; see GET /api/v1/archive/datasets`);
      const target = rule.kind === 'references' ? ((await findDataset(ctx.db.write, rule.datasetId)) ?? undefined) : undefined;
      validateRule(rule, dataset, target);
      const probe = await ctx.db.analytics.connect();
      try {
        await tryRule(probe, rule, dataset, target);
      } finally {
        probe.release();
      }
      const dimension = DIMENSION_OF[rule.kind];
      return ctx.db.transaction(async (client) => {
        const { rows } = await client.query<RuleRow>(SQL['insert-rule'], [
          dataset.id,
          input.name ?? defaultRuleName(rule),
          dimension,
          rule.kind,
          JSON.stringify(rule),
          target?.id ?? null,
          requester.actor.userId,
        ]);
        const view = present(rows[0]!);
        await audit.record(
          {
            ...requester,
            action: 'quality.rule.create',
            target: `quality_rule:${view.id}`,
            outcome: 'success',
            details: { datasetId: dataset.id, dimension, kind: rule.kind },
          },
          client,
        );
        return view;
      });
    },

    async get(id: string): Promise<RuleView> {
      const { rows } = await ctx.db.write.query<RuleRow>(SQL['get-rule'], [id]);
      if (!rows[0]) throw notFound('quality rule', id);
      return present(rows[0]);
    },

    async list(datasetId: string | undefined, limit: number, offset: number): Promise<RuleView[]> {
      const { rows } = await ctx.db.read().query<RuleRow>(SQL['list-rules'], [datasetId ?? null, limit, offset]);
      return rows.map(present);
    },

    async remove(id: string, requester: Requester): Promise<void> {
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ id: string; dataset_id: string; name: string }>(SQL['delete-rule'], [id]);
        if (!rows[0]) throw notFound('quality rule', id);
        await audit.record(
          {
            ...requester,
            action: 'quality.rule.delete',
            target: `quality_rule:${id}`,
            outcome: 'success',
            details: { datasetId: rows[0].dataset_id, name: rows[0].name },
          },
          client,
        );
      });
    },
  };
}

export type RulesService = ReturnType<typeof createRulesService>;
