import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.ts';
import { isPrimaryUnavailable } from '../resilience/database-failover.ts';
import { withinMs } from '../resilience/time-limit.ts';
import { sqlFiles } from './sql.ts';
import { dsnTarget } from './dsn.ts';

const SQL = sqlFiles(import.meta.dirname, ['primary-wal-position', 'replica-state']);

// A check that takes longer says the node cannot serve now (a pooler may hold a query for a
// dead server for seconds); it must not hold up the checks of the other nodes either.
const CHECK_TIMEOUT_MS = 2000;
const within = <T>(promise: Promise<T>, what: string) => withinMs(promise, CHECK_TIMEOUT_MS, what);

/** What the monitor last saw of one replica (a read replica or the analytics replica). */
export interface ReplicaView {
  /** `host:port/database` of its DSN. */
  target: string;
  /** The node's `jivs.node_name` setting, when it has one (the cluster sets it per node). */
  node: string | null;
  reachable: boolean;
  /** False when the node answers but is a primary (e.g. promoted by a failover). */
  replica: boolean;
  /** Seconds since the primary was at the position this replica has replayed; null if unknown. */
  lagSeconds: number | null;
  /** Reads are routed to it: reachable, a replica (or the analytics DSN's own primary), within the lag limit. */
  inRotation: boolean;
  error: string | null;
  checkedAt: string | null;
}

interface Member {
  pool: pg.Pool;
  view: ReplicaView;
  /**
   * The analytics DSN may name a primary on purpose (e.g. a login role of its own on a single
   * server); the analytics replica of the cluster is tagged nofailover, so it never becomes one.
   */
  primaryAllowed: boolean;
}

// Samples of the primary's WAL position, one per check: enough to date two minutes of lag.
const HISTORY = 120;

/**
 * Watches the replicas behind the read and analytics pools and says which may serve reads.
 *
 * Lag is measured in time, the way the plan states the limit (10 s): each check samples the
 * primary's WAL position, and a replica's lag is the age of the newest sample it has replayed.
 * An idle primary writes no WAL, so a replica that has replayed everything is 0 s behind however
 * long ago the last transaction was; while the primary is unreachable (a failover) no new samples
 * arrive and replicas that had replayed the last one stay in rotation, which is what lets reads
 * ride through the loss of the primary.
 */
export class ReplicaMonitor {
  readonly #reads: Member[];
  readonly #analytics: Member | undefined;
  readonly #primary: pg.Pool;
  readonly #lagLimitSeconds: number;
  readonly #log: Logger;
  readonly #history: Array<{ at: number; lsn: bigint }> = [];
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #next = 0;

  constructor(
    primary: pg.Pool,
    reads: pg.Pool[],
    analytics: pg.Pool | undefined,
    options: { lagLimitSeconds: number; checkIntervalMs: number; registry: Registry; log: Logger },
  ) {
    this.#primary = primary;
    this.#lagLimitSeconds = options.lagLimitSeconds;
    this.#log = options.log;
    const member = (pool: pg.Pool, primaryAllowed = false): Member => ({
      pool,
      primaryAllowed,
      view: { target: targetOf(pool), node: null, reachable: false, replica: false, lagSeconds: null, inRotation: false, error: null, checkedAt: null },
    });
    this.#reads = reads.map((pool) => member(pool));
    this.#analytics = analytics ? member(analytics, true) : undefined;
    const members = () => [...this.#reads, ...(this.#analytics ? [this.#analytics] : [])];
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: "This instance's view of each replica's lag behind the primary, in seconds",
      labelNames: ['replica'] as const,
      registers: [options.registry],
      collect() {
        for (const m of members()) if (m.view.lagSeconds !== null) this.set({ replica: m.view.node ?? m.view.target }, m.view.lagSeconds);
      },
    });
    new Gauge({
      name: 'db_replica_available',
      help: '1 when this instance routes reads to the replica (reachable, a replica, within the lag limit)',
      labelNames: ['replica'] as const,
      registers: [options.registry],
      collect() {
        for (const m of members()) this.set({ replica: m.view.node ?? m.view.target }, m.view.inRotation ? 1 : 0);
      },
    });
    this.#timer = setInterval(() => void this.check(), options.checkIntervalMs).unref();
  }

  /** The next read replica in rotation, round-robin, or undefined when none is. */
  nextRead(): pg.Pool | undefined {
    const ready = this.#reads.filter((m) => m.view.inRotation);
    if (ready.length === 0) return undefined;
    return ready[this.#next++ % ready.length]!.pool;
  }

  /** The analytics replica when it may serve, else undefined. */
  analytics(): pg.Pool | undefined {
    return this.#analytics?.view.inRotation ? this.#analytics.pool : undefined;
  }

  /** Takes a replica out of rotation at once after a query on it failed for want of a server. */
  reportFailure(pool: pg.Pool, error: unknown): void {
    const member = [...this.#reads, this.#analytics].find((m) => m?.pool === pool);
    if (!member || !isPrimaryUnavailable(error)) return;
    if (member.view.inRotation) this.#log.warn({ replica: member.view.node ?? member.view.target, error: (error as Error).message }, 'decision: replica out of rotation (query failed)');
    member.view = { ...member.view, reachable: false, inRotation: false, error: (error as Error).message };
  }

  get reads(): readonly ReplicaView[] {
    return this.#reads.map((m) => m.view);
  }

  get analyticsView(): ReplicaView | undefined {
    return this.#analytics?.view;
  }

  /** One round of checks (also run every check interval). */
  check(): Promise<void> {
    this.#checking ??= this.#checkAll().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #checkAll(): Promise<void> {
    try {
      const { rows } = await within(this.#primary.query<{ lsn: string }>(SQL['primary-wal-position']), 'the primary');
      this.#history.push({ at: Date.now(), lsn: BigInt(rows[0]!.lsn) });
      if (this.#history.length > HISTORY) this.#history.shift();
    } catch {
      // No sample while the primary is away: replicas are judged against the last one.
    }
    await Promise.all([...this.#reads, ...(this.#analytics ? [this.#analytics] : [])].map((m) => this.#checkOne(m)));
  }

  async #checkOne(member: Member): Promise<void> {
    const before = member.view;
    try {
      const { rows } = await within(member.pool.query<{ replica: boolean; node: string | null; lsn: string | null }>(SQL['replica-state']), before.node ?? before.target);
      const row = rows[0]!;
      const lagSeconds = row.replica ? this.#lagOf(row.lsn === null ? null : BigInt(row.lsn)) : null;
      member.view = {
        target: before.target,
        node: row.node || null,
        reachable: true,
        replica: row.replica,
        lagSeconds,
        inRotation: row.replica ? lagSeconds !== null && lagSeconds <= this.#lagLimitSeconds : member.primaryAllowed,
        error: null,
        checkedAt: new Date().toISOString(),
      };
    } catch (e) {
      member.view = { ...before, reachable: false, inRotation: false, error: (e as Error).message, checkedAt: new Date().toISOString() };
    }
    if (member.view.inRotation !== before.inRotation) {
      const v = member.view;
      const why = v.inRotation ? 'within the lag limit' : !v.reachable ? `unreachable: ${v.error}` : !v.replica ? 'it is a primary now' : `lag ${v.lagSeconds ?? '?'} s over ${this.#lagLimitSeconds} s`;
      this.#log.info({ replica: v.node ?? v.target, lag_seconds: v.lagSeconds }, `decision: replica ${v.inRotation ? 'in' : 'out of'} rotation (${why})`);
    }
  }

  /** Age of the newest primary sample at or before `replayed`; 0 without samples yet to compare. */
  #lagOf(replayed: bigint | null): number | null {
    if (replayed === null) return null;
    const newest = this.#history.at(-1);
    if (!newest || replayed >= newest.lsn) return 0;
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const sample = this.#history[i]!;
      if (sample.lsn <= replayed) return round((newest.at - sample.at) / 1000);
    }
    return round((newest.at - this.#history[0]!.at) / 1000);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

const targetOf = (pool: pg.Pool): string => dsnTarget(pool.options.connectionString ?? 'postgres://unknown');
