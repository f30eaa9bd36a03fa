import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.ts';
import { startAtZero } from '../observability/metrics.ts';

interface Held {
  since: number;
  stack: string;
  reported: boolean;
}

/** The pool metrics of every database role, on one registry. */
export function poolMetrics(registry: Registry) {
  /** Each watched pool reports its counts when Prometheus scrapes. */
  const samplers: Array<() => void> = [];
  return {
    samplers,
    connections: new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections per role by state (active, idle, waiting for a connection, max)',
      labelNames: ['role', 'state'] as const,
      registers: [registry],
      collect() {
        for (const sample of samplers) sample();
      },
    }),
    timeouts: new Counter({
      name: 'db_pool_timeouts_total',
      help: 'Requests for a connection that timed out, per role',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    leaks: new Counter({
      name: 'db_pool_leaks_total',
      help: 'Connections held longer than the leak-detection limit, per role',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    queryDuration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Statements run with pool.query() per role (write, read, analytics), successful or not',
      labelNames: ['role'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export type PoolMetrics = ReturnType<typeof poolMetrics>;

/**
 * Watches one role's pool: reports its connections by state, counts acquisition timeouts, and
 * detects leaks — a connection held longer than `leakAfterMs` is logged once with the stack that
 * took it (the plan's incident: connections leaked by long-running extractions).
 */
export function watchPool(pool: pg.Pool, role: string, max: number, leakAfterMs: number, metrics: PoolMetrics, log: Logger) {
  const held = new Map<pg.PoolClient, Held>();
  startAtZero(metrics.timeouts, [{ role }]);
  startAtZero(metrics.leaks, [{ role }]);
  metrics.samplers.push(() => {
    metrics.connections.set({ role, state: 'active' }, pool.totalCount - pool.idleCount);
    metrics.connections.set({ role, state: 'idle' }, pool.idleCount);
    metrics.connections.set({ role, state: 'waiting' }, pool.waitingCount);
    metrics.connections.set({ role, state: 'max' }, max);
  });
  const detectLeaks = () => {
    const now = Date.now();
    for (const entry of held.values()) {
      if (!entry.reported && now - entry.since > leakAfterMs) {
        entry.reported = true;
        metrics.leaks.inc({ role });
        log.warn({ role, held_ms: now - entry.since, stack: entry.stack }, `a ${role} connection has been held for over ${leakAfterMs} ms: possible leak`);
      }
    }
  };
  const timer = setInterval(detectLeaks, Math.max(50, Math.min(5000, leakAfterMs / 2)));
  timer.unref();
  return {
    /** Acquires a client and tracks it until it is released. */
    async acquire(connect: () => Promise<pg.PoolClient>): Promise<pg.PoolClient> {
      const stack = new Error('connection taken here').stack ?? '';
      let client: pg.PoolClient;
      try {
        client = await connect();
      } catch (e) {
        if (/timeout/i.test((e as Error).message)) metrics.timeouts.inc({ role });
        throw e;
      }
      held.set(client, { since: Date.now(), stack, reported: false });
      const release = client.release.bind(client);
      client.release = (err?: Error | boolean) => {
        held.delete(client);
        return release(err);
      };
      return client;
    },
    stop: () => clearInterval(timer),
  };
}
