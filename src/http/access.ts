import type { FastifyRequest } from 'fastify';

export const ROLES = ['admin', 'operator', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who a route is for. Every route declares one; the server refuses to start otherwise. */
export type Access = 'public' | 'authenticated' | readonly Role[];

/** The signed-in user of a request. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** Id of the access token, for revocation on logout. */
  tokenId: string;
  tokenExpiresAt: Date;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** `auth` applies the strict per-client and per-account limit of sign-in endpoints. */
    rateLimit?: 'auth' | 'default' | 'none';
    /**
     * False for a signed-in change whose answer must not be stored for replay (it holds
     * tokens): it then ignores `Idempotency-Key`.
     */
    idempotent?: false;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The principal of a request that passed an authenticated route's guard. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('principalOf called on a route without authentication');
  return request.principal;
}

/** Roles allowed to do things, in one place so routes read as policy. */
export const CAN = {
  manageUsers: ['admin'],
  manageSources: ['admin', 'operator'],
  runJobs: ['admin', 'operator'],
  readJobs: ['admin', 'operator', 'analyst', 'auditor'],
  readSources: ['admin', 'operator', 'analyst', 'auditor'],
  /** Archived data itself (rows, profiles, quality issues with sample rows). */
  readArchive: ['admin', 'operator', 'analyst'],
  manageQuality: ['admin', 'operator', 'analyst'],
  /** Data-subject requests, PII catalogue, retention policies and legal holds. */
  manageCompliance: ['admin', 'operator'],
  readCompliance: ['admin', 'operator', 'auditor'],
  readAudit: ['admin', 'auditor'],
  readAnalytics: ['admin', 'operator', 'analyst', 'auditor'],
  /** The alert inbox: what Alertmanager delivered. */
  readAlerts: ['admin', 'operator', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
}
