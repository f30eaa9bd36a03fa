import { badRequest } from '../../http/errors.ts';
import type { PostgresSettings } from './kinds.ts';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
// Only what sourceClientConfig applies; accepting more would silently ignore it.
const SUPPORTED_PARAMS = ['sslmode'];

const EXPECTED = 'expected postgres://user:password@host:port/database?sslmode=require';

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest(`dsn: the ${what} has an invalid %-escape; ${EXPECTED}`);
  }
}

/**
 * Splits a PostgreSQL connection URL into the settings stored in clear and the password stored
 * encrypted. Throws a 400 naming what is wrong; the message never repeats the password.
 */
export function parsePostgresDsn(dsn: string): { settings: PostgresSettings; password: string | undefined } {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw badRequest(`dsn is not a valid connection URL; ${EXPECTED}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw badRequest(`dsn must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw badRequest(`dsn names no host; ${EXPECTED}`);
  if (host.length > 255) throw badRequest('dsn: the host name is longer than 255 characters');
  const user = decoded(url.username, 'user name');
  if (!user) throw badRequest(`dsn names no user; ${EXPECTED}`);
  if (user.length > 63) throw badRequest('dsn: the user name is longer than 63 characters');
  const database = decoded(url.pathname.replace(/^\//, ''), 'database name');
  if (!database) throw badRequest(`dsn names no database; ${EXPECTED}`);
  if (database.includes('/') || database.length > 63) {
    throw badRequest('dsn: the database name must be one path segment of at most 63 characters');
  }
  const port = url.port ? Number(url.port) : 5432;
  if (port < 1) throw badRequest('dsn: the port must be between 1 and 65535');
  if (url.hash) throw badRequest('dsn must not have a #fragment');

  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!SUPPORTED_PARAMS.includes(key)) {
      throw badRequest(`dsn parameter "${key}" is not supported; supported: ${SUPPORTED_PARAMS.join(', ')}`);
    }
    if (key === 'sslmode' && !SSL_MODES.includes(value)) {
      throw badRequest(`dsn: sslmode "${value}" is not one of ${SSL_MODES.join(', ')}`);
    }
    params[key] = value;
  }
  const password = url.password ? decoded(url.password, 'password') : undefined;
  return { settings: { host, port, database, user, params }, password };
}

/** The connection URL of a source without its password, for display. */
export function displayDsn(settings: PostgresSettings): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const query = new URLSearchParams(settings.params).toString();
  return (
    `postgres://${encodeURIComponent(settings.user)}@${host}:${settings.port}/${encodeURIComponent(settings.database)}` +
    (query ? `?${query}` : '')
  );
}
