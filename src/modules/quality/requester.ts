import type { FastifyRequest } from 'fastify';
import { principalOf } from '../../http/access.ts';
import type { AuditEntry } from '../audit/index.ts';

/** Who asked for a change, as the audit trail records it. */
export interface Requester {
  actor: NonNullable<AuditEntry['actor']>;
  sourceIp: string;
}

export function requesterOf(request: FastifyRequest): Requester {
  const { userId, username, role } = principalOf(request);
  return { actor: { userId, username, role }, sourceIp: request.ip };
}
