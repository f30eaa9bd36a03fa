import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tracer } from '@opentelemetry/api';
import pg from 'pg';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { failoverRetry, isPrimaryUnavailable } from '../resilience/database-failover.ts';
import { noop, type IPolicy, type RetryPolicy } from 'cockatiel';
import type { Registry } from 'prom-client';
import { poolMetrics, watchPool } from './pool-watch.ts';
import { tracedClient, tracedQuery } from './query-spans.ts';
import { ReplicaMonitor, type ReplicaView } from './replica-monitor.ts';

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
 * failed because the server went away or is read-only are retried. While a shared transaction
 * is open (`joined` gives its connection), `query()` runs in it instead, unretried: the
 * transaction's owner retries the whole of it. Every statement, through `query()` or on a
 * client from `connect()`, is a span of the trace it runs in (query-spans.ts).
 */
function throughFailover(
  pool: pg.Pool,
  role: RoleName,
  policy: IPolicy,
  watch: ReturnType<typeof watchPool>,
  timer: () => () => void,
  tracer: Tracer,
  joined: () => pg.PoolClient | undefined = () => undefined,
): pg.Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          // The shared transaction's client came from connect() below: it traces its statements.
          const shared = joined();
          if (shared) return (shared.query as (...a: unknown[]) => unknown)(...args);
          if (typeof args.at(-1) === 'function') return (target.query as (...a: unknown[]) => unknown)(...args);
          // One span per statement, however many failover retries it takes.
          return tracedQuery(tracer, role, args[0], () =>
            policy.execute(async () => {
              const done = timer();
              try {
                return await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
              } finally {
                done();
              }
            }),
          );
        };
      }
      if (prop === 'connect') {
        return (...args: unknown[]) =>
          args.length > 0
            ? (target.connect as (...a: unknown[]) => unknown)(...args)
            : policy.execute(() => watch.acquire(() => target.connect())).then((client) => tracedClient(client, tracer, role));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `fn` in a savepoint of an open transaction: its failure undoes its own writes only. */
async function savepoint<T>(client: pg.PoolClient, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await client.query('SAVEPOINT nested');
  try {
    const result = await fn(client);
    await client.query('RELEASE SAVEPOINT nested');
    return result;
  } catch (e) {
    if (!isPrimaryUnavailable(e)) await client.query('ROLLBACK TO SAVEPOINT nested').catch(() => undefined);
    throw e;
  }
}

interface SharedTransaction {
  client: pg.PoolClient;
  open: boolean;
  /** Work to do once the transaction committed (`afterCommit`). */
  committed: Array<() => Promise<void>>;
}

/** A COMMIT whose answer was lost: it may or may not have happened, so it must not be replayed blindly. */
export class CommitInDoubtError extends Error {
  readonly isCommitInDoubt = true;
}

export const isCommitInDoubt = (e: unknown): e is CommitInDoubtError =>
  e instanceof Error && (e as Partial<CommitInDoubtError>).isCommitInDoubt === true;

/** No replica may take analytics and the primary is not allowed to (database.analyticsFallbackToPrimary). */
export class NoAnalyticsNodeError extends Error {
  readonly isNoAnalyticsNode = true;
}

export const isNoAnalyticsNode = (e: unknown): e is NoAnalyticsNodeError =>
  e instanceof Error && (e as Partial<NoAnalyticsNodeError>).isNoAnalyticsNode === true;

/**
 * The three database roles of the plan: writes (and read-your-writes) on `write`, ordinary
 * reads round-robin over the read replicas within the lag limit and else the primary,
 * dashboards and long scans on the analytics replica, else a read replica, and the primary only
 * when configured. In embedded mode all three point at the one server, through separate pools,
 * and nothing is monitored.
 */
export class DatabaseRoles {
  readonly write: pg.Pool;
  readonly #reads: pg.Pool[];
  readonly #analytics: pg.Pool;
  readonly #monitor: ReplicaMonitor | undefined;
  readonly #analyticsFallbackToPrimary: boolean;
  readonly #log: Logger;
  /** Where a read goes when no replica is in rotation: a read pool on the primary, else the write pool. */
  readonly #primaryRead: pg.Pool;

  readonly #failover: RetryPolicy;
  readonly #watches: Array<ReturnType<typeof watchPool>> = [];
  /** The shared transaction of the work running now, if any (see `sharedTransaction`). */
  readonly #shared = new AsyncLocalStorage<SharedTransaction>();

  constructor(dsns: RoleDsns, settings: Config['database'], log: Logger, registry: Registry, tracer: Tracer) {
    this.#log = log;
    this.#failover = failoverRetry(settings.failoverBudgetMs);
    this.#failover.onRetry((e) => log.warn({ error: 'error' in e ? (e.error as Error).message : 'result', delay_ms: Math.round(e.delay) }, 'database unavailable, retrying (failover?)'));
    const metrics = poolMetrics(registry);
    const replicas = dsns.read.filter((d) => d !== dsns.write);
    const analyticsIsReplica = dsns.analytics !== dsns.write;
    // A pool on the primary waits a failover out; one on a replica fails at once, so the read
    // moves to another replica (routedRead) instead of waiting for this one to come back.
    const pool = (role: RoleName, dsn: string, name: string = role) => {
      const s = settings.pools[role];
      const raw = createPool(role, dsn, s, log);
      const watch = watchPool(raw, name, s.max, s.leakDetectionMs, metrics, log);
      this.#watches.push(watch);
      const onReplica = dsn !== dsns.write;
      const timer = () => metrics.queryDuration.startTimer({ role });
      return throughFailover(raw, role, onReplica ? noop : this.#failover, watch, timer, tracer, role === 'write' ? () => this.#joined() : undefined);
    };
    this.write = pool('write', dsns.write);
    const reads = replicas.length > 0 ? replicas : [dsns.write];
    this.#reads = reads.map((d, i) => pool('read', d, reads.length > 1 ? `read${i + 1}` : 'read'));
    this.#primaryRead = replicas.length > 0 ? this.write : this.#reads[0]!;
    this.#analytics = pool('analytics', dsns.analytics);
    this.#analyticsFallbackToPrimary = settings.analyticsFallbackToPrimary;
    // Replicas are watched only when there are some: in embedded mode every role is the primary.
    if (replicas.length > 0 || analyticsIsReplica) {
      this.#monitor = new ReplicaMonitor(this.write, replicas.length > 0 ? this.#reads : [], analyticsIsReplica ? this.#analytics : undefined, {
        lagLimitSeconds: settings.replicaLagLimitSeconds,
        checkIntervalMs: settings.replicaCheckIntervalMs,
        registry,
        log,
      });
    }
  }

  /** Waits for the first round of replica checks, so the first reads already go to replicas. */
  async start(): Promise<void> {
    await this.#monitor?.check();
  }

  /**
   * A pool for one read: the next read replica in rotation, or the primary when none is. A
   * replica that fails the query for want of a server leaves the rotation at once and the read
   * is retried elsewhere.
   */
  read(): pg.Pool {
    return this.#monitor ? this.#routedRead : this.#primaryRead;
  }

  /** Where analytics runs now: the analytics replica, else a read replica, else (if allowed) the primary. */
  get analytics(): pg.Pool {
    if (!this.#monitor) return this.#analytics;
    const pool = this.#monitor.analytics() ?? this.#monitor.nextRead();
    if (pool) return pool;
    if (this.#analyticsFallbackToPrimary) return this.write;
    throw new NoAnalyticsNodeError(
      'no analytics or read replica is available and database.analyticsFallbackToPrimary is off; retry shortly or allow the primary',
    );
  }

  /** The replicas as this instance sees them, for /health. */
  replicas(): { reads: readonly ReplicaView[]; analytics: ReplicaView | undefined } | undefined {
    return this.#monitor ? { reads: this.#monitor.reads, analytics: this.#monitor.analyticsView } : undefined;
  }

  readonly #routedRead: pg.Pool = new Proxy({} as pg.Pool, {
    get: (_target, prop) => {
      // Only query() is routed; anything else (options, counts) is the first read pool's, without
      // moving the round-robin on.
      if (prop !== 'query') return Reflect.get(this.#reads[0]!, prop) as unknown;
      // Each replica in rotation gets one try; a replica that has lost its server leaves the
      // rotation and the next one is asked. The primary comes last, and its pool waits a
      // failover out by itself (no retry around it: that would multiply the failover budget).
      return async (...args: unknown[]) => {
        for (let tries = this.#reads.length; tries > 0; tries--) {
          const pool = this.#monitor!.nextRead();
          if (!pool) break;
          try {
            return await (pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (e) {
            if (!isPrimaryUnavailable(e)) throw e;
            this.#monitor!.reportFailure(pool, e);
          }
        }
        return (this.#primaryRead.query as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    },
  });

  /**
   * Runs `fn` in a transaction on the write pool; rolls back when it throws. A transaction that
   * failed before its COMMIT because the primary went away is run again on the new primary; one
   * whose COMMIT went unanswered is not (CommitInDoubtError). Inside a shared transaction it is
   * a savepoint of that one.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const shared = this.#joined();
    if (shared) return savepoint(shared, fn);
    return this.#run(fn, false);
  }

  /**
   * Runs `fn` in a transaction that every write made through these roles while `fn` runs joins
   * (`write.query()` and `transaction()`; `write.connect()` still gets a connection of its own).
   * `fn` must itself recognise work already done — an idempotency key row written in the same
   * transaction — because it is run again through a failover even after a COMMIT whose answer
   * was lost.
   */
  async sharedTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#run(fn, true);
  }

  /**
   * Runs `fn` once the current work's changes are committed: at once, or inside a shared
   * transaction after its COMMIT (e.g. invalidating a cache entry, which done earlier could be
   * refilled from the not-yet-committed past). Failures are logged, never thrown.
   */
  async afterCommit(fn: () => Promise<void>): Promise<void> {
    const shared = this.#shared.getStore();
    if (shared?.open) shared.committed.push(fn);
    else await this.#afterCommitted(fn);
  }

  /** Runs work queued for after a commit; a failure is logged, never thrown (the change is saved). */
  async #afterCommitted(fn: () => Promise<void>): Promise<void> {
    await fn().catch((error: unknown) => this.#log.warn({ error }, 'after-commit work failed'));
  }

  #joined(): pg.PoolClient | undefined {
    const shared = this.#shared.getStore();
    return shared?.open ? shared.client : undefined;
  }

  async #run<T>(fn: (client: pg.PoolClient) => Promise<T>, share: boolean): Promise<T> {
    return this.#failover.execute(async () => {
      const client = await this.write.connect();
      // Work `fn` started and left running must not write into a transaction that has ended.
      const shared: SharedTransaction = { client, open: share, committed: [] };
      let committing = false;
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = share ? await this.#shared.run(shared, () => fn(client)) : await fn(client);
        shared.open = false;
        committing = true;
        await client.query('COMMIT');
        for (const fn of shared.committed) await this.#afterCommitted(fn);
        return result;
      } catch (e) {
        shared.open = false;
        // A connection the server dropped must not go back to the pool.
        if (isPrimaryUnavailable(e)) broken = e as Error;
        else await client.query('ROLLBACK').catch(() => undefined);
        if (committing && !share && isPrimaryUnavailable(e)) {
          throw new CommitInDoubtError('the database went away while committing; the change may or may not have been saved', { cause: e });
        }
        throw e;
      } finally {
        client.release(broken);
      }
    });
  }

  async end(): Promise<void> {
    this.#monitor?.stop();
    for (const watch of this.#watches) watch.stop();
    await Promise.all([this.write.end(), this.#analytics.end(), ...this.#reads.map((p) => p.end())]);
  }
}
