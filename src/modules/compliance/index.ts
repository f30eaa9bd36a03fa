import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { Routes } from '../../http/server.ts';
import type { JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createCatalogue } from './catalogue.ts';
import { createDiscovery } from './discovery.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { createLegalHolds } from './legal-holds.ts';
import { createComplianceMetrics } from './metrics.ts';
import { requestRoutes } from './request-routes.ts';
import { createRequestRunner } from './request-runner.ts';
import { createRequests, type RequestJob } from './requests.ts';
import { createRetention, type RetentionJob } from './retention.ts';
import { retentionRoutes } from './retention-routes.ts';
import { createRetentionRunner } from './retention-runner.ts';

const SQL = sqlFiles(import.meta.dirname, ['count-overdue']);

export interface ComplianceModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface ComplianceDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

/**
 * Compliance: PII discovery and catalogue, data-subject requests (GDPR/CCPA) processed on the
 * `compliance` pool, retention policies with scheduled runs, and legal holds that stop both.
 */
export function createComplianceModule(ctx: AppContext, deps: ComplianceDependencies): ComplianceModule {
  const log = named(ctx.log, 'compliance');
  const metrics = createComplianceMetrics(
    ctx.metrics.registry,
    async () => (await ctx.db.read().query<{ n: number }>(SQL['count-overdue'])).rows[0]!.n,
    log,
  );
  const discovery = createDiscovery(ctx, deps.audit, log);
  const requests = createRequests(ctx, deps.audit, metrics);
  const retention = createRetention(ctx, deps.audit);
  const processRequest = createRequestRunner(ctx, deps.audit, discovery, metrics);
  const runRetention = createRetentionRunner(ctx, deps.audit, discovery, metrics);
  const routes = [
    discoveryRoutes(discovery, createCatalogue(ctx, deps.audit)),
    requestRoutes(requests),
    retentionRoutes(retention, createLegalHolds(ctx, deps.audit)),
  ];
  return {
    routes: async (app) => {
      for (const r of routes) await app.register(r);
    },
    // Policy schedules live in pg-boss (created with each policy), so only the workers start here.
    startWorkers: () =>
      ctx.queue.work<RequestJob | RetentionJob>('compliance', (run: JobRun<RequestJob | RetentionJob>) => {
        const { data } = run;
        return data.kind === 'retention' ? runRetention({ ...run, data }) : processRequest({ ...run, data });
      }),
  };
}
