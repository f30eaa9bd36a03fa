import pg from 'pg';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { failoverRetry, isPrimaryUnavailable } from '../resilience/database-failover.ts';
import type { RetryPolicy } from 'cockatiel';
import type { Registry } from 'prom-client';
import { poolMetrics, watchPool } from './pool-watch.ts';

export type RoleName = 'write' | 'read' | 'analytics';

export interface RoleDsns {
  write: string;
  read: string[];
  analytics: string;
}

type PoolSettings = Config['database']['pools']['write'];

function createPool(role: RoleName, dsn: string, settings: PoolSettings, log: Logger): pg.Pool {
  const readOnly = role !== 'write';
  // Session settings are SET when a connection is made, before it is handed out, rather than sent
  // as startup parameters, which PgBouncer refuses (it forwards only a few, like application_name).
  const session = [
    "SET TimeZone = 'UTC'",
    `SET statement_timeout = ${settings.statementTimeoutMs}`,
    `SET idle_in_transaction_session_timeout = ${settings.idleInTransactionTimeoutMs}`,
    ...(readOnly ? ['SET default_transaction_read_only = on'] : []),
  ].join('; ');
  const pool = new pg.Pool({
    connectionString: dsn,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: `jivs:${role}`,
    // pg-pool awaits onConnect before handing the client out; its types say void.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    onConnect: async (client) => {
      await client.query(session);
    },
  });
  // A connection losing its server (restart, failover) must not crash the process, whether it
  // is idle in the pool or checked out between two queries; the next query on it fails and is
  // retried on a fresh one.
  pool.on('error', (err) => log.warn({ role, error: err.message }, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ role, error: err.message }, 'database connection lost'));
  });
  return pool;
}

/**
 * The pool with `query()` and `connect()` retried through a failover. Only statements that
 * failed because the server went away or is read-only are retried.
 */
function throughFailover(pool: pg.Pool, policy: RetryPolicy, watch: ReturnType<typeof watchPool>): pg.Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) =>
          typeof args.at(-1) === 'function'
            ? (target.query as (...a: unknown[]) => unknown)(...args)
            : policy.execute(() => (target.query as (...a: unknown[]) => Promise<unknown>)(...args));
      }
      if (prop === 'connect') {
        return (...args: unknown[]) =>
          args.length > 0
            ? (target.connect as (...a: unknown[]) => unknown)(...args)
            : policy.execute(() => watch.acquire(() => target.connect()));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A COMMIT whose answer was lost: it may or may not have happened, so it must not be replayed blindly. */
export class CommitInDoubtError extends Error {
  readonly isCommitInDoubt = true;
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

  readonly #failover: RetryPolicy;
  readonly #watches: Array<ReturnType<typeof watchPool>> = [];

  constructor(dsns: RoleDsns, settings: Config['database'], log: Logger, registry: Registry) {
    this.#failover = failoverRetry(settings.failoverBudgetMs);
    this.#failover.onRetry((e) => log.warn({ error: 'error' in e ? (e.error as Error).message : 'result', delay_ms: Math.round(e.delay) }, 'database unavailable, retrying (failover?)'));
    const metrics = poolMetrics(registry);
    const pool = (role: RoleName, dsn: string, name: string = role) => {
      const s = settings.pools[role];
      const raw = createPool(role, dsn, s, log);
      const watch = watchPool(raw, name, s.max, s.leakDetectionMs, metrics, log);
      this.#watches.push(watch);
      return throughFailover(raw, this.#failover, watch);
    };
    this.write = pool('write', dsns.write);
    const reads = dsns.read.length > 0 ? dsns.read : [dsns.write];
    this.#reads = reads.map((d, i) => pool('read', d, reads.length > 1 ? `read${i + 1}` : 'read'));
    this.analytics = pool('analytics', dsns.analytics);
  }

  /** The next read pool, round-robin. */
  read(): pg.Pool {
    const pool = this.#reads[this.#next % this.#reads.length]!;
    this.#next++;
    return pool;
  }

  /**
   * Runs `fn` in a transaction on the write pool; rolls back when it throws. A transaction that
   * failed before its COMMIT because the primary went away is run again on the new primary; one
   * whose COMMIT went unanswered is not (CommitInDoubtError).
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#failover.execute(async () => {
      const client = await this.write.connect();
      let committing = false;
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        committing = true;
        await client.query('COMMIT');
        return result;
      } catch (e) {
        // A connection the server dropped must not go back to the pool.
        if (isPrimaryUnavailable(e)) broken = e as Error;
        else await client.query('ROLLBACK').catch(() => undefined);
        if (committing && isPrimaryUnavailable(e)) {
          throw new CommitInDoubtError('the database went away while committing; the change may or may not have been saved', { cause: e });
        }
        throw e;
      } finally {
        client.release(broken);
      }
    });
  }

  async end(): Promise<void> {
    for (const watch of this.#watches) watch.stop();
    await Promise.all([this.write.end(), this.analytics.end(), ...this.#reads.map((p) => p.end())]);
  }
}
