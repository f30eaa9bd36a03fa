import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createRedisCache } from '../../data/redis-cache.ts';
import { createAnalyticsBulkhead } from './bulkhead.ts';
import { createFigures } from './figures.ts';
import { analyticsRoutes } from './routes.ts';

export interface AnalyticsModule {
  routes: Routes;
  /** Analytics runs in requests; there are no workers. */
  startWorkers(): Promise<void>;
}

export interface AnalyticsDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

/** Dashboard figures on the analytics database role, behind the analytics bulkhead. */
export function createAnalyticsModule(ctx: AppContext, _deps: AnalyticsDependencies): AnalyticsModule {
  const bulkhead = createAnalyticsBulkhead(ctx.config.jobs.pools.analytics, ctx.metrics);
  // Figures may be 15 s old: dashboards refresh on that order, and the scans behind them are the heaviest reads.
  const cache = createRedisCache(ctx, 'analytics', 15);
  return { routes: analyticsRoutes(createFigures(ctx), bulkhead, cache), startWorkers: () => Promise.resolve() };
}
