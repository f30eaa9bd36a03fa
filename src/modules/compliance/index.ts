import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { AuditModule } from '../audit/index.ts';
import type { SourcesModule } from '../sources/index.ts';

export interface ComplianceModule {
  routes: Routes;
  /** Starts this instance's workers and schedules, if the module has any. */
  startWorkers(): Promise<void>;
}

export interface ComplianceDependencies {
  sources: SourcesModule;
  audit: AuditModule;
}

// Placeholder until the compliance module lands.
export function createComplianceModule(_ctx: AppContext, _deps: ComplianceDependencies): ComplianceModule {
  return { routes: async () => undefined, startWorkers: () => Promise.resolve() };
}
