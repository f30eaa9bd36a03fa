import type { FastifyRequest } from 'fastify';
import { principalOf } from '../../http/access.ts';
import type { AuditEntry } from '../audit/index.ts';

/** Who does something, for the audit trail: a signed-in user, or the service itself (a job). */
export interface Actor {
  user: AuditEntry['actor'];
  userId: string | null;
  sourceIp?: string;
}

export const SERVICE: Actor = { user: null, userId: null };

export function actorOf(request: FastifyRequest): Actor {
  const { userId, username, role } = principalOf(request);
  return { user: { userId, username, role }, userId, sourceIp: request.ip };
}

/** A successful audit entry done by `actor`. */
export const auditEntry = (actor: Actor, action: string, target: string, details: Record<string, unknown>): AuditEntry => ({
  actor: actor.user,
  action,
  target,
  outcome: 'success',
  ...(actor.sourceIp ? { sourceIp: actor.sourceIp } : {}),
  details,
});
