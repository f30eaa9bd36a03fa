import { z } from 'zod';
import { CAN } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import type { RedisCache } from '../../data/redis-cache.ts';
import type { AnalyticsBulkhead } from './bulkhead.ts';
import type { FigureGroup, Figures } from './figures.ts';

const GROUPS: FigureGroup[] = ['extractions', 'migrations', 'quality', 'compliance', 'audit'];
const period = z.strictObject({ days: z.coerce.number().int().min(1).max(3650).default(30) });

/**
 * /api/v1/analytics: dashboard figures, each request through the analytics bulkhead; with Redis,
 * a figure group is computed at most once per cache TTL across all instances.
 */
export function analyticsRoutes(figures: Figures, bulkhead: AnalyticsBulkhead, cache: RedisCache): Routes {
  const figure = (group: FigureGroup, days: number) => cache.get<unknown>(`${group}:${days}`, () => figures[group](days));
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
        const values = await bulkhead.run(() => Promise.all(GROUPS.map((g) => figure(g, days))));
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
          return { periodDays: request.query.days, [group]: await bulkhead.run(() => figure(group, request.query.days)) };
        },
      );
    }
  };
}
