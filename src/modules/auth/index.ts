import type { AppContext } from '../../context.ts';
import type { Principal } from '../../http/access.ts';
import { unauthorized } from '../../http/errors.ts';
import type { Routes } from '../../http/server.ts';

export interface AuthModule {
  routes: Routes;
  verifyAccessToken(token: string): Promise<Principal>;
  /** Creates the first admin on first start; returns it when it did. */
  ensureAdmin(): Promise<{ username: string; generatedPassword?: string } | undefined>;
}

// Placeholder until the auth module lands.
export function createAuthModule(_ctx: AppContext): AuthModule {
  return {
    routes: async () => undefined,
    verifyAccessToken: () => Promise.reject(unauthorized()),
    ensureAdmin: () => Promise.resolve(undefined),
  };
}
