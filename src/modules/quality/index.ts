import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';

export interface QualityModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface QualityDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

// Placeholder until the quality module lands.
export function createQualityModule(_ctx: AppContext, _deps: QualityDependencies): QualityModule {
  return { routes: async () => undefined, startWorkers: () => Promise.resolve() };
}
