import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import { ensureFileRoot } from './file-paths.ts';
import type { ResolvedSource } from './kinds.ts';
import { createResolver } from './resolver.ts';
import { sourcesRoutes } from './routes.ts';
import { createSourceStore } from './source-store.ts';

export interface SourcesModule {
  routes: Routes;
  /**
   * The source with its secret decrypted and, for files, its confined absolute path (checked
   * again now). Throws a 404 HttpError for an unknown id and a 400 when the source is no longer
   * usable (file gone or outside the root, host no longer allowed).
   */
  resolve(id: string): Promise<ResolvedSource>;
}

/** Data sources: registration, connection tests, and resolution for the extraction engine. */
export function createSourcesModule(ctx: AppContext): SourcesModule {
  const store = createSourceStore(ctx.db);
  const fileRoot = ensureFileRoot(ctx.config);
  const resolve = createResolver({
    store,
    key: ctx.secrets.sourceKey,
    fileRoot,
    httpAllowedHosts: ctx.config.sources.httpAllowedHosts,
  });
  return { routes: sourcesRoutes(ctx, { store, resolve, fileRoot }), resolve };
}
