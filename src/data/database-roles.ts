import pg from 'pg';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';

export type RoleName = 'write' | 'read' | 'analytics';

export interface RoleDsns {
  write: string;
  read: string[];
  analytics: string;
}

type PoolSettings = Config['database']['pools']['write'];

function createPool(role: RoleName, dsn: string, settings: PoolSettings, log: Logger): pg.Pool {
  const readOnly = role !== 'write';
  const pool = new pg.Pool({
    connectionString: dsn,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: `jivs:${role}`,
  });
  // Session settings are SET after connecting rather than sent as startup parameters, which
  // PgBouncer refuses (it forwards only a few, such as application_name).
  const session = [
    "SET TimeZone = 'UTC'",
    `SET statement_timeout = ${settings.statementTimeoutMs}`,
    `SET idle_in_transaction_session_timeout = ${settings.idleInTransactionTimeoutMs}`,
    ...(readOnly ? ['SET default_transaction_read_only = on'] : []),
  ].join('; ');
  pool.on('connect', (client) => {
    client.query(session).catch((err: Error) => log.warn({ role, error: err.message }, 'could not apply session settings'));
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', (err) => log.warn({ role, error: err.message }, 'idle database connection lost'));
  return pool;
}

/**
 * The three database roles of the plan: writes (and read-your-writes) on `write`, ordinary
 * reads spread round-robin over `read`, dashboards and long scans on `analytics`. In embedded
 * mode all three point at the one server, through separate pools.
 */
export class DatabaseRoles {
  readonly write: pg.Pool;
  readonly analytics: pg.Pool;
  readonly #reads: pg.Pool[];
  #next = 0;

  constructor(dsns: RoleDsns, settings: Config['database']['pools'], log: Logger) {
    this.write = createPool('write', dsns.write, settings.write, log);
    this.#reads = (dsns.read.length > 0 ? dsns.read : [dsns.write]).map((d) =>
      createPool('read', d, settings.read, log),
    );
    this.analytics = createPool('analytics', dsns.analytics, settings.analytics, log);
  }

  /** The next read pool, round-robin. */
  read(): pg.Pool {
    const pool = this.#reads[this.#next % this.#reads.length]!;
    this.#next++;
    return pool;
  }

  /** Runs `fn` in a transaction on the write pool; rolls back when it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.write.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async end(): Promise<void> {
    await Promise.all([this.write.end(), this.analytics.end(), ...this.#reads.map((p) => p.end())]);
  }
}
