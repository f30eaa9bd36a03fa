import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import type { Role } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';

/** One thing that happened: who did what to what, from where, and how it ended. */
export interface AuditEntry {
  actor: { userId: string; username: string; role: Role } | null;
  /** Dotted verb, e.g. `auth.login`, `dataset.export`, `subject.erase`, `user.create`. */
  action: string;
  /** What it was done to, e.g. `extraction:<id>`. */
  target?: string;
  outcome: 'success' | 'failure' | 'denied';
  sourceIp?: string;
  details?: Record<string, unknown>;
}

export interface AuditModule {
  routes: Routes;
  /** Appends an entry; with `client`, inside the caller's transaction (so it exists exactly when the change does). */
  record(entry: AuditEntry, client?: pg.PoolClient): Promise<void>;
  /** Called by the server after every response: records sign-ins, changes and data access. */
  onRequestDone(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

// Placeholder until the audit module lands.
export function createAuditModule(_ctx: AppContext): AuditModule {
  return {
    routes: async () => undefined,
    record: () => Promise.resolve(),
    onRequestDone: () => Promise.resolve(),
  };
}
