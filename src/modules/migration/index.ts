import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';

export interface MigrationModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface MigrationDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

// Placeholder until the migration module lands.
export function createMigrationModule(_ctx: AppContext, _deps: MigrationDependencies): MigrationModule {
  return { routes: async () => undefined, startWorkers: () => Promise.resolve() };
}
