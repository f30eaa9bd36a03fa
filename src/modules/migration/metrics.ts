import { Counter, Histogram, type Registry } from 'prom-client';
import { labelCombinations, startAtZero } from '../../observability/metrics.ts';

/** How a migration run or rollback ends: `migration_runs_total`'s `outcome`. */
const OUTCOMES = ['completed', 'failed', 'threshold_exceeded', 'verification_failed', 'rolled_back', 'rollback_failed'];

/** The migration module's Prometheus metrics, on the instance's registry. */
export function createMigrationMetrics(registry: Registry) {
  const metrics = {
    runs: new Counter({
      name: 'migration_runs_total',
      help: `Migration runs and rollbacks by how they ended (${OUTCOMES.join(', ')})`,
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    records: new Counter({
      name: 'migration_records_total',
      help: 'Source records migrated into a target or rejected, as chunks commit',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'migration_duration_seconds',
      help: 'Wall time of migration attempts (runs and rollbacks) by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200],
      registers: [registry],
    }),
  };
  startAtZero(metrics.runs, labelCombinations({ outcome: OUTCOMES }));
  return metrics;
}

export type MigrationMetrics = ReturnType<typeof createMigrationMetrics>;
