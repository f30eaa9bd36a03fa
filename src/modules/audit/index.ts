import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { Role } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { appendEntry, type NewEntry } from './audit-log.ts';
import { createAuditMetrics } from './metrics.ts';
import { requestEvent } from './request-events.ts';
import { auditRoutes } from './routes.ts';

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
  /**
   * Appends an entry; with `client`, inside the caller's transaction (so it exists exactly when the
   * change does). Appends are serialised by a lock held until that transaction ends: record last,
   * just before committing.
   */
  record(entry: AuditEntry, client?: pg.PoolClient): Promise<void>;
  /** Called by the server after every response: records sign-ins, changes and data access. */
  onRequestDone(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const SQL = sqlFiles(import.meta.dirname, ['find-actor']);

/** The tamper-evident audit trail: a hash chain in `audit_log`, its search, export and verification. */
export function createAuditModule(ctx: AppContext): AuditModule {
  const metrics = createAuditMetrics(ctx);
  const append = (entry: NewEntry, client?: pg.PoolClient) =>
    client ? appendEntry(client, entry) : ctx.db.transaction((own) => appendEntry(own, entry));

  // A sign-in request names an account but carries no token: find who it was.
  async function signedInActor(entry: NewEntry): Promise<NewEntry> {
    if (entry.action !== 'auth.login' || entry.outcome !== 'success' || entry.actorUsername === null) return entry;
    const { rows } = await ctx.db.write.query<{ id: string; username: string; role: string }>(SQL['find-actor'], [
      entry.actorUsername,
    ]);
    const user = rows[0];
    return user ? { ...entry, actorUserId: user.id, actorUsername: user.username, actorRole: user.role } : entry;
  }

  return {
    routes: auditRoutes(ctx),
    record: (entry, client) =>
      append(
        {
          actorUserId: entry.actor?.userId ?? null,
          actorUsername: entry.actor?.username ?? null,
          actorRole: entry.actor?.role ?? null,
          action: entry.action,
          target: entry.target ?? null,
          outcome: entry.outcome,
          sourceIp: entry.sourceIp ?? null,
          details: entry.details,
        },
        client,
      ),
    async onRequestDone(request, reply) {
      const entry = requestEvent({
        method: request.method,
        route: request.routeOptions.url,
        params: request.params,
        body: request.body,
        query: request.query,
        status: reply.statusCode,
        principal: request.principal,
        ip: request.ip,
        requestId: request.id,
      });
      if (!entry) return;
      try {
        await append(await signedInActor(entry));
      } catch (e) {
        metrics.recordFailures.inc();
        throw e;
      }
    },
  };
}
