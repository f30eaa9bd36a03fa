import type { AppContext } from '../context.ts';
import { CACHE_RESULTS, labelCombinations, startAtZero } from '../observability/metrics.ts';

/**
 * A cache in Redis for values that may be a little stale (dashboard figures):
 * reads go to a replica when one is up (replica-preferred; a replica a moment behind only makes
 * the value a moment older), writes to the master, each entry kept `ttlSeconds`. Without Redis,
 * with its circuit open or on any Redis error a lookup finds nothing and the caller computes the
 * value from PostgreSQL, as if there were no cache. Counted in `cache_requests_total{cache=<name>}`.
 */
export function createRedisCache(ctx: AppContext, name: string, ttlSeconds: number) {
  const requests = ctx.metrics.cacheRequests;
  startAtZero(requests, labelCombinations({ cache: [name], result: CACHE_RESULTS }));
  const redisKey = (key: string) => `jivs:cache:${name}:${key}`;
  return {
    /** The cached value; undefined on a miss, or when Redis is not asked (off, circuit open, error). */
    async lookup<T>(key: string): Promise<T | undefined> {
      if (!ctx.redis.enabled) return undefined;
      const cached = await ctx.redis.run((r) => r.get(redisKey(key)), 'replica');
      requests.inc({ cache: name, result: cached ? 'hit' : cached === undefined ? 'bypass' : 'miss' });
      return cached ? (JSON.parse(cached) as T) : undefined;
    },
    /** Keeps `value` for `ttlSeconds` (nothing without Redis). */
    async store(key: string, value: unknown): Promise<void> {
      if (ctx.redis.enabled) await ctx.redis.run((r) => r.set(redisKey(key), JSON.stringify(value), 'EX', ttlSeconds));
    },
  };
}

export type RedisCache = ReturnType<typeof createRedisCache>;
