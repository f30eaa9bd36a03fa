import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../observability/logger.ts';

/**
 * Compliance metrics on the instance's registry. The overdue gauge is read from the database at
 * each scrape, so every instance reports the cluster-wide number.
 */
export function createComplianceMetrics(registry: Registry, countOverdue: () => Promise<number>, log: Logger) {
  return {
    requests: new Counter({
      name: 'compliance_requests_total',
      help: 'Data-subject requests reaching a status (received, completed, completed_with_exceptions, rejected, failed)',
      labelNames: ['type', 'regulation', 'status'] as const,
      registers: [registry],
    }),
    overdue: new Gauge({
      name: 'compliance_requests_overdue',
      help: 'Open data-subject requests past their legal deadline',
      registers: [registry],
      async collect() {
        try {
          this.set(await countOverdue());
        } catch (error) {
          // A scrape must not fail because the database is briefly away; the last value stays.
          log.warn({ error: (error as Error).message }, 'could not count overdue requests for the metric');
        }
      },
    }),
    retentionRowsRemoved: new Counter({
      name: 'retention_rows_removed_total',
      help: 'Archived rows deleted or anonymised by retention runs',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
  };
}

export type ComplianceMetrics = ReturnType<typeof createComplianceMetrics>;
