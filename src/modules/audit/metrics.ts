import { Counter } from 'prom-client';
import type { AppContext } from '../../context.ts';

/** Counters of the audit trail, on the instance's registry. */
export function createAuditMetrics(ctx: AppContext) {
  return {
    // Alert on any: a request happened without its audit entry.
    recordFailures: new Counter({
      name: 'audit_record_failures_total',
      help: 'Requests whose audit entry could not be recorded',
      registers: [ctx.metrics.registry],
    }),
  };
}
