import { Counter, Gauge } from 'prom-client';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { named } from '../../observability/logger.ts';
import type { Scores } from './scoring.ts';

const SQL = sqlFiles(import.meta.dirname, ['latest-scores']);

/**
 * The quality module's metrics, on the instance's registry. `quality_score` is read from the
 * database at each scrape (the latest completed check of each dataset), so every instance
 * reports the same cluster-wide figures whichever one ran the check, and they survive restarts.
 */
export function createQualityMetrics(ctx: AppContext) {
  const registers = [ctx.metrics.registry];
  const log = named(ctx.log, 'quality');
  const db = ctx.db;
  return {
    rulesExecuted: new Counter({
      name: 'quality_rules_executed_total',
      help: 'Quality rules evaluated by check runs, by dimension and outcome (passed, failed)',
      labelNames: ['dimension', 'outcome'] as const,
      registers,
    }),
    issuesDetected: new Counter({
      name: 'quality_issues_detected_total',
      help: 'Quality issues recorded (a rule that did not pass in a check), by dimension',
      labelNames: ['dimension'] as const,
      registers,
    }),
    score: new Gauge({
      name: 'quality_score',
      help: 'Score (0-100) of the latest completed quality check per dataset id, by dimension and overall',
      labelNames: ['dataset', 'dimension'] as const,
      registers,
      async collect() {
        try {
          const { rows } = await db.read().query<{ dataset_id: string; scores: Scores }>(SQL['latest-scores']);
          this.reset();
          for (const { dataset_id: dataset, scores } of rows) {
            if (scores.overall !== null) this.set({ dataset, dimension: 'overall' }, scores.overall);
            for (const [dimension, score] of Object.entries(scores.dimensions)) this.set({ dataset, dimension }, score);
          }
        } catch (error) {
          // A scrape must not fail with the database: the last figures stay until the next one.
          log.warn({ error: (error as Error).message }, 'could not read quality scores for the quality_score metric');
        }
      },
    }),
  };
}

export type QualityMetrics = ReturnType<typeof createQualityMetrics>;
