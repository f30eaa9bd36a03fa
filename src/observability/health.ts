import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { withinMs } from '../resilience/time-limit.ts';
import type { AppContext } from '../context.ts';
import type { Routes } from '../http/server.ts';

export type Status = 'UP' | 'DOWN' | 'DEGRADED';

export interface Health {
  status: Status;
  details?: Record<string, unknown>;
}

/** One dependency's health, Spring-Actuator style. `critical` ones decide readiness. */
export interface HealthIndicator {
  name: string;
  critical: boolean;
  check(): Promise<Health>;
  /** Readiness when it differs from "check() is not DOWN" (e.g. a grace period). */
  ready?(): Promise<boolean>;
}


export function databaseIndicator(ctx: AppContext): HealthIndicator {
  let lastUp = Date.now();
  let probing: Promise<void> | undefined;
  const indicator: HealthIndicator = {
    name: 'db',
    critical: true,
    // A primary failover makes the database unreachable for every instance at once; taking them
    // all out of the load balancer would turn a wait into errors. An instance stays ready while
    // its requests can still wait the outage out (the failover budget), and not after.
    // It answers at once from the last probe (a load balancer's check must not hang on a dead
    // primary) and starts the next probe in the background.
    ready() {
      probing ??= indicator
        .check()
        .then((health) => {
          if (health.status === 'UP') lastUp = Date.now();
        })
        .finally(() => (probing = undefined));
      return Promise.resolve(Date.now() - lastUp < ctx.config.database.failoverBudgetMs);
    },
    async check() {
      const started = performance.now();
      // The replicas as this instance routes to them (cluster mode); the primary is asked now.
      const replicas = ctx.db.replicas();
      const topology = replicas ? { replicas: replicas.reads, analytics: replicas.analytics ?? null } : {};
      try {
        const { rows } = await withinMs(
          ctx.db.write.query<{ node: string | null }>("SELECT current_setting('jivs.node_name', true) AS node"),
          2000,
          'the database',
        );
        return {
          status: 'UP',
          details: {
            database: 'PostgreSQL',
            primary: { node: rows[0]?.node || null, responseTimeMs: Math.round(performance.now() - started) },
            ...topology,
          },
        };
      } catch (e) {
        return { status: 'DOWN', details: { database: 'PostgreSQL', primary: { error: (e as Error).message }, ...topology } };
      }
    },
  };
  return indicator;
}

const DISK_THRESHOLD_BYTES = 10 * 1024 * 1024;

export function diskIndicator(ctx: AppContext): HealthIndicator {
  return {
    name: 'diskSpace',
    critical: true,
    async check() {
      const stats = await statfs(path.resolve(ctx.config.dataDir));
      const total = stats.blocks * stats.bsize;
      const free = stats.bavail * stats.bsize;
      return {
        status: free >= DISK_THRESHOLD_BYTES ? 'UP' : 'DOWN',
        details: { path: path.resolve(ctx.config.dataDir), total, free, threshold: DISK_THRESHOLD_BYTES },
      };
    },
  };
}

export function jobsIndicator(ctx: AppContext): HealthIndicator {
  return {
    name: 'jobs',
    critical: false,
    async check() {
      const { rows } = await ctx.db.write.query<{ status: string; n: number }>(
        "SELECT status, count(*)::int AS n FROM extraction_jobs WHERE status IN ('queued', 'running') GROUP BY status",
      );
      const count = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
      const pool = ctx.config.jobs.pools.extraction;
      return {
        status: 'UP',
        details: {
          extraction: { running: count('running'), queued: count('queued'), capacity: pool.max + pool.queue },
          acceptingWork: !ctx.lifecycle.shuttingDown,
        },
      };
    },
  };
}

/** Redis: degrades the service when down (it is an accelerator), never makes it unready. */
export function redisIndicator(ctx: AppContext): HealthIndicator {
  return {
    name: 'redis',
    critical: false,
    async check() {
      const [ping, sentinels] = await Promise.all([
        ctx.redis.run((r) => r.ping()),
        ctx.redis.connections!.sentinelView().catch((e: unknown) => ({ error: (e as Error).message })),
      ]);
      const details = { cache: 'Redis', circuit: ctx.redis.state, ...sentinels, configuredSentinels: ctx.config.redis.sentinels.length };
      if (ping !== 'PONG') return { status: 'DOWN', details: { ...details, fallback: 'PostgreSQL and in-process limits' } };
      return { status: 'UP', details };
    },
  };
}

async function evaluate(indicators: HealthIndicator[]) {
  const results = await Promise.all(
    indicators.map(async (i) => {
      try {
        return [i, await i.check()] as const;
      } catch (e) {
        return [i, { status: 'DOWN', details: { error: (e as Error).message } }] as const;
      }
    }),
  );
  const down = results.filter(([, h]) => h.status === 'DOWN');
  const status: Status = down.some(([i]) => i.critical) ? 'DOWN' : down.length > 0 ? 'DEGRADED' : 'UP';
  return { status, components: Object.fromEntries(results.map(([i, h]) => [i.name, h])) };
}

/** `/health`, `/health/liveness` and `/health/readiness`. */
export function healthRoutes(ctx: AppContext, indicators: HealthIndicator[]): Routes {
  return async (app) => {
    const open = { access: 'public', rateLimit: 'none' } as const;
    app.get('/health', { config: open, schema: { tags: ['health'], summary: 'Health of every component' } }, async (_req, reply) => {
      const health = await evaluate(indicators);
      return reply.code(health.status === 'DOWN' ? 503 : 200).send(health);
    });
    app.get('/health/liveness', { config: open, schema: { tags: ['health'], summary: 'The process is alive' } }, () => ({
      status: 'UP',
    }));
    app.get(
      '/health/readiness',
      { config: open, schema: { tags: ['health'], summary: 'This instance can serve requests' } },
      async (_req, reply) => {
        if (ctx.lifecycle.shuttingDown) return reply.code(503).send({ status: 'DOWN', reason: 'shutting down' });
        const critical = indicators.filter((i) => i.critical);
        const ready = await Promise.all(
          critical.map(async (i) => {
            try {
              return i.ready ? await i.ready() : (await i.check()).status !== 'DOWN';
            } catch {
              return false;
            }
          }),
        );
        const notReady = critical.filter((_, n) => !ready[n]).map((i) => i.name);
        return reply
          .code(notReady.length > 0 ? 503 : 200)
          .send(notReady.length > 0 ? { status: 'DOWN', reason: `not ready: ${notReady.join(', ')}` } : { status: 'UP' });
      },
    );
    app.get('/metrics', { config: open, schema: { hide: true } }, async (_req, reply) =>
      reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
    );
  };
}
