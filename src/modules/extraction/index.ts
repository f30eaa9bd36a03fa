import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { SourcesModule } from '../sources/index.ts';

export interface ExtractionModule {
  routes: Routes;
  startWorkers(): Promise<void>;
}

export function createExtractionModule(_ctx: AppContext, _sources: SourcesModule): ExtractionModule {
  return { routes: async () => undefined, startWorkers: () => Promise.resolve() };
}
