import { z } from 'zod';
import { CAN } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import type { RedisCache } from '../../data/redis-cache.ts';
import type { AnalyticsBulkhead } from './bulkhead.ts';
import type { FigureGroup, Figures } from './figures.ts';

const GROUPS: FigureGroup[] = ['extractions', 'migrations', 'quality', 'compliance', 'audit'];
const period = z.strictObject({ days: z.coerce.number().int().min(1).max(3650).default(30) });

/**
 * /api/v1/analytics: dashboard figures; with Redis, a figure group is computed at most once per
 * cache TTL across all instances. Only computing takes a place in the analytics bulkhead (one
 * per request, for whatever it must compute): cached figures are answered even while the pool
 * is full.
 */
export function analyticsRoutes(figures: Figures, bulkhead: AnalyticsBulkhead, cache: RedisCache): Routes {
  const key = (group: FigureGroup, days: number) => `${group}:${days}`;
  /** The groups' figures, in order: cached ones as they are, the rest computed in one bulkhead place. */
  const figuresOf = async (groups: FigureGroup[], days: number): Promise<unknown[]> => {
    const found = await Promise.all(groups.map((g) => cache.lookup<unknown>(key(g, days))));
    const missing = groups.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return found;
    const computed = await bulkhead.run(() =>
      Promise.all(
        missing.map(async (g) => {
          const value = await figures[g](days);
          await cache.store(key(g, days), value);
          return value;
        }),
      ),
    );
    return found.map((value) => value ?? computed.shift());
  };
  return async (app) => {
    const tags = ['analytics'];
    app.get(
      '/api/v1/analytics/dashboard',
      {
        config: { access: CAN.readAnalytics },
        schema: { tags, summary: 'Every dashboard figure over the last `days` days (analytics role, analytics bulkhead)', querystring: period },
      },
      async (request) => {
        const days = request.query.days;
        const values = await figuresOf(GROUPS, days);
        return { periodDays: days, ...Object.fromEntries(GROUPS.map((g, i) => [g, values[i]])) };
      },
    );
    for (const group of GROUPS) {
      app.get(
        `/api/v1/analytics/${group}`,
        {
          config: { access: CAN.readAnalytics },
          schema: { tags, summary: `The ${group} figures over the last \`days\` days`, querystring: period },
        },
        async (request) => {
          const [values] = await figuresOf([group], request.query.days);
          return { periodDays: request.query.days, [group]: values };
        },
      );
    }
  };
}
