import { statfs } from 'node:fs/promises';
import path from 'node:path';
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
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);

export function databaseIndicator(ctx: AppContext): HealthIndicator {
  return {
    name: 'db',
    critical: true,
    async check() {
      const started = performance.now();
      try {
        await withTimeout(ctx.db.write.query('SELECT 1'), 2000, 'the database');
        return {
          status: 'UP',
          details: {
            database: 'PostgreSQL',
            validationQuery: 'SELECT 1',
            responseTimeMs: Math.round(performance.now() - started),
          },
        };
      } catch (e) {
        return { status: 'DOWN', details: { database: 'PostgreSQL', error: (e as Error).message } };
      }
    },
  };
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
        const health = await evaluate(indicators.filter((i) => i.critical));
        return reply.code(health.status === 'DOWN' ? 503 : 200).send(health);
      },
    );
    app.get('/metrics', { config: open, schema: { hide: true } }, async (_req, reply) =>
      reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
    );
  };
}
