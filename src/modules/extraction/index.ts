import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import type { SourcesModule } from '../sources/index.ts';
import { extractionRoutes } from './routes.ts';
import { createExtractionRunner, type ExtractionJobData } from './runner.ts';
import { createExtractionService } from './service.ts';

export interface ExtractionModule {
  routes: Routes;
  /** Starts this instance's extraction workers (the extraction bulkhead). */
  startWorkers(): Promise<void>;
}

export function createExtractionModule(ctx: AppContext, sources: SourcesModule): ExtractionModule {
  const service = createExtractionService(ctx, sources);
  const run = createExtractionRunner(ctx, sources);
  return {
    routes: extractionRoutes(service),
    startWorkers: () => ctx.queue.work<ExtractionJobData>('extraction', run),
  };
}
