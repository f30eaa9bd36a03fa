import { hkdfSync } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createMigrationMetrics } from './metrics.ts';
import { migrationRoutes } from './routes.ts';
import { createMigrationRunner, type MigrationJobData } from './runner.ts';
import { createMigrationService } from './service.ts';

export interface MigrationModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface MigrationDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

/**
 * Migrations into PostgreSQL targets: definitions checked against source and target at
 * creation, runs and rollbacks as jobs of the `migration` pool.
 */
export function createMigrationModule(ctx: AppContext, deps: MigrationDependencies): MigrationModule {
  // The salt of the `hash` transform: derived from the service's secret key, so it is the same on
  // every instance and never stored or shown.
  const salt = Buffer.from(hkdfSync('sha256', ctx.secrets.sourceKey, Buffer.alloc(0), 'jivs:migration:hash-salt', 32));
  const metrics = createMigrationMetrics(ctx.metrics.registry);
  const service = createMigrationService(ctx, deps, salt);
  const run = createMigrationRunner(ctx, deps.sources, metrics, salt);
  return {
    routes: migrationRoutes(service),
    startWorkers: () => ctx.queue.work<MigrationJobData>('migration', run),
  };
}
