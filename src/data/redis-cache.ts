import type { AppContext } from '../context.ts';
import { CACHE_RESULTS, labelCombinations, startAtZero } from '../observability/metrics.ts';

/**
 * A read-through cache in Redis for values that may be a little stale (dashboard figures):
 * reads go to a replica when one is up (replica-preferred; a replica a moment behind only makes
 * the value a moment older), writes to the master, each entry kept `ttlSeconds`. Without Redis,
 * with its circuit open or on any Redis error the value is computed from PostgreSQL as if there
 * were no cache. Counted in `cache_requests_total{cache=<name>}`.
 */
export function createRedisCache(ctx: AppContext, name: string, ttlSeconds: number) {
  const requests = ctx.metrics.cacheRequests;
  startAtZero(requests, labelCombinations({ cache: [name], result: CACHE_RESULTS }));
  return {
    async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!ctx.redis.enabled) return compute();
      const redisKey = `jivs:cache:${name}:${key}`;
      const cached = await ctx.redis.run((r) => r.get(redisKey), 'replica');
      if (cached) {
        requests.inc({ cache: name, result: 'hit' });
        return JSON.parse(cached) as T;
      }
      requests.inc({ cache: name, result: cached === undefined ? 'bypass' : 'miss' });
      const value = await compute();
      await ctx.redis.run((r) => r.set(redisKey, JSON.stringify(value), 'EX', ttlSeconds));
      return value;
    },
  };
}

export type RedisCache = ReturnType<typeof createRedisCache>;
