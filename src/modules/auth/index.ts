import type { AppContext } from '../../context.ts';
import type { Principal } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { authRoutes } from './auth-routes.ts';
import { ensureAdmin } from './bootstrap-admin.ts';
import { sessionMetrics } from './metrics.ts';
import { createSessions } from './sessions.ts';
import { userRoutes } from './user-routes.ts';
import { createTokenCache } from './token-cache.ts';
import { createUsers } from './users.ts';

export interface AuthModule {
  routes: Routes;
  verifyAccessToken(token: string): Promise<Principal>;
  /** Creates the first admin on first start; returns it when it did. */
  ensureAdmin(): Promise<{ username: string; generatedPassword?: string } | undefined>;
}

/** Users, passwords, tokens and their HTTP endpoints. */
export function createAuthModule(ctx: AppContext): AuthModule {
  // One cache for both: sign-ins read it, sign-outs and user changes invalidate it.
  const cache = createTokenCache(ctx);
  const sessions = createSessions(ctx, cache);
  const users = createUsers(ctx, cache);
  sessionMetrics(ctx);
  return {
    routes: async (app) => {
      await app.register(authRoutes(sessions, users));
      await app.register(userRoutes(users));
    },
    verifyAccessToken: (token) => sessions.verifyAccessToken(token),
    ensureAdmin: () => ensureAdmin(ctx),
  };
}
