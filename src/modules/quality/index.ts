import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createChecksService, type QualityJobData } from './checks-service.ts';
import { createQualityMetrics } from './metrics.ts';
import { createProfilesService } from './profiles-service.ts';
import { qualityRoutes } from './routes.ts';
import { createRulesService } from './rules-service.ts';
import { createQualityRunner } from './runner.ts';
import { createSchedulesService } from './schedules-service.ts';

export interface QualityModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface QualityDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

/**
 * Data quality of archived datasets: rules in six dimensions, check runs as jobs on the
 * `quality` pool (scans on the analytics database), scores, issues with sample rows, column
 * profiles and scheduled checks.
 */
export function createQualityModule(ctx: AppContext, deps: QualityDependencies): QualityModule {
  const checks = createChecksService(ctx, deps.audit);
  const run = createQualityRunner(ctx, checks, createQualityMetrics(ctx));
  return {
    routes: qualityRoutes({
      rules: createRulesService(ctx, deps.audit),
      checks,
      profiles: createProfilesService(ctx, deps.audit),
      schedules: createSchedulesService(ctx, deps.audit),
    }),
    startWorkers: () => ctx.queue.work<QualityJobData>('quality', run),
  };
}
