import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import type { Routes } from '../../http/server.ts';
import type { ResolvedSource } from './kinds.ts';

export interface SourcesModule {
  routes: Routes;
  /** The source with its secret decrypted and, for files, its confined absolute path. */
  resolve(id: string): Promise<ResolvedSource>;
}

// Placeholder until the sources module lands.
export function createSourcesModule(_ctx: AppContext): SourcesModule {
  return {
    routes: async () => undefined,
    resolve: (id) => Promise.reject(notFound('data source', id)),
  };
}
