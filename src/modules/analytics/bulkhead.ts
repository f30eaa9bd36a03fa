import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import type { Config } from '../../config/schema.ts';
import { HttpError } from '../../http/errors.ts';
import type { Metrics } from '../../observability/metrics.ts';

/**
 * The analytics bulkhead (plan: 5 / 10 / 20, rejecting when full): at most `max` analytics
 * queries run at once on this instance and `queue` wait; one more is refused at once with 503,
 * so a burst of dashboards can never pile up behind (or in front of) the rest of the service.
 * `core` has no meaning for async queries on one event loop: `max` is the concurrency.
 */
export function createAnalyticsBulkhead(pool: Config['jobs']['pools']['analytics'], metrics: Metrics) {
  const policy: BulkheadPolicy = bulkhead(pool.max, pool.queue);
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      metrics.poolActive.inc({ pool: 'analytics' });
      try {
        return await policy.execute(fn);
      } catch (e) {
        if (isBulkheadRejectedError(e)) {
          metrics.poolRejected.inc({ pool: 'analytics' });
          throw new HttpError(
            503,
            'pool_full',
            `the analytics pool is full (${pool.max} queries running, ${pool.queue} waiting); retry in a few seconds`,
            undefined,
            { 'retry-after': '5' },
          );
        }
        throw e;
      } finally {
        metrics.poolActive.dec({ pool: 'analytics' });
      }
    },
  };
}

export type AnalyticsBulkhead = ReturnType<typeof createAnalyticsBulkhead>;
