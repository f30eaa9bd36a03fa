import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';

export interface AnalyticsModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface AnalyticsDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

// Placeholder until the analytics module lands.
export function createAnalyticsModule(_ctx: AppContext, _deps: AnalyticsDependencies): AnalyticsModule {
  return { routes: async () => undefined, startWorkers: () => Promise.resolve() };
}
