import type pg from 'pg';
import type { PostgresSettings, SourceSecret } from './kinds.ts';

/**
 * Client settings for a PostgreSQL source. Sessions are read-only (an extraction can never
 * change the source) and pinned to UTC/ISO so text renderings compare equal with the archive.
 */
export function sourceClientConfig(settings: PostgresSettings, secret: SourceSecret): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secret.password,
    connectionTimeoutMillis: 10_000,
    application_name: 'jivs:extraction',
    options: '-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex -c extra_float_digits=1',
    ...(settings.params.sslmode && settings.params.sslmode !== 'disable' ? { ssl: { rejectUnauthorized: settings.params.sslmode === 'verify-full' } } : {}),
  };
}
