import type { Principal } from '../../http/access.ts';
import type { NewEntry } from './audit-log.ts';

/** What the audit trail needs to know about a finished request. */
export interface FinishedRequest {
  method: string;
  /** The route template, e.g. `/api/v1/sources/:id`; undefined when no route matched. */
  route: string | undefined;
  params: unknown;
  body: unknown;
  query: unknown;
  status: number;
  principal: Principal | undefined;
  ip: string;
  requestId: string;
}

const API = '/api/v1/';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Sign-in and session endpoints: any refusal is a failed attempt, not a denied permission.
const SESSION_ACTIONS: Record<string, string> = {
  'POST auth/login': 'auth.login',
  'POST auth/refresh': 'auth.refresh',
  'POST auth/logout': 'auth.logout',
  'POST auth/password': 'auth.password.change',
};

const ON_ITEM: Record<string, string> = { GET: 'read', POST: 'update', PUT: 'update', PATCH: 'update', DELETE: 'delete' };
const ON_COLLECTION: Record<string, string> = { GET: 'list', POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/**
 * The dotted action of a route: the names of its path (without parameters) and a verb.
 * `POST sources` → `sources.create`, `DELETE sources/:id` → `sources.delete`. A name after a
 * parameter is the operation itself for POST and GET (`POST sources/:id/test` → `sources.test`,
 * `GET archive/datasets/:id/rows` → `archive.datasets.rows`), and so is a final `export`.
 */
export function actionOf(method: string, path: string): string {
  const parts = path.split('/').filter(Boolean);
  const names = parts.filter((p) => !p.startsWith(':'));
  const last = parts.at(-1) ?? '';
  const verb = (verbs: Record<string, string>) => [...names, verbs[method] ?? method.toLowerCase()].join('.');
  if (last.startsWith(':')) return verb(ON_ITEM);
  const named = last === 'export' || (Boolean(parts.at(-2)?.startsWith(':')) && (method === 'POST' || method === 'GET'));
  return named ? names.join('.') : verb(ON_COLLECTION);
}

const outcomeOf = (status: number): NewEntry['outcome'] =>
  status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure';

const textField = (value: unknown, key: string): string | null => {
  const field = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  // Bounded: a refused request may carry anything.
  return typeof field === 'string' ? field.slice(0, 256) : null;
};

/**
 * The entry a finished request makes, or undefined when it is not audited. Audited: sign-in and
 * session endpoints, every change (POST, PUT, PATCH, DELETE), and data access (GET under
 * /api/v1/archive/ and any export). Not audited: health, metrics, docs and other reads of metadata.
 * Request bodies are never recorded; of a sign-in only the username it claims.
 */
export function requestEvent(request: FinishedRequest): NewEntry | undefined {
  if (!request.route?.startsWith(API)) return undefined;
  const path = request.route.slice(API.length);
  const sessionAction = SESSION_ACTIONS[`${request.method} ${path}`];
  const dataAccess = request.method === 'GET' && (path.startsWith('archive/') || path.includes('export'));
  if (!sessionAction && !dataAccess && !MUTATING.has(request.method)) return undefined;

  const p = request.principal;
  const details: Record<string, unknown> = {
    method: request.method,
    route: request.route,
    status: request.status,
    // Clients may send their own x-request-id.
    requestId: request.requestId.slice(0, 128),
  };
  // What was read or exported (validated filters, so only known fields).
  if (dataAccess && request.status < 400 && request.query && Object.keys(request.query).length > 0) {
    details.query = request.query;
  }
  return {
    actorUserId: p?.userId ?? null,
    actorUsername: p?.username ?? (sessionAction === 'auth.login' ? textField(request.body, 'username') : null),
    actorRole: p?.role ?? null,
    action: sessionAction ?? actionOf(request.method, path),
    target: textField(request.params, 'id'),
    outcome: sessionAction ? (request.status < 400 ? 'success' : 'failure') : outcomeOf(request.status),
    sourceIp: request.ip,
    details,
  };
}
