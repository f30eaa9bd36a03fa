import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../context.ts';
import { startAtZero } from '../observability/metrics.ts';
import { tooManyRequests } from './errors.ts';

/**
 * The plan's limits: 5/min on sign-in endpoints, per client address and per account, and
 * 100/min for everything else, per signed-in user (or client address when anonymous).
 */
interface Limiter {
  /** The `limit` label of its rejections. */
  name: string;
  pick(): RateLimiterMemory | RateLimiterRedis;
  points: number;
  duration: number;
}

export function createRateLimits(ctx: AppContext) {
  const { auth, default: general } = ctx.config.rateLimits;
  // With Redis, counters are shared by every instance; an in-process limiter is the insurance
  // when Redis fails, and is used outright while the Redis circuit breaker is open.
  const limiter = (name: string, points: number, duration: number) => {
    const memory = new RateLimiterMemory({ keyPrefix: name, points, duration });
    const master = ctx.redis.connections?.master;
    const shared = master
      ? new RateLimiterRedis({ storeClient: master, keyPrefix: `jivs:rl:${name}`, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true })
      : undefined;
    startAtZero(ctx.metrics.rateLimited, [{ limit: name }]);
    const chosen: Limiter = { name, pick: () => (shared && ctx.redis.state !== 'open' ? shared : memory), points, duration };
    return chosen;
  };
  const authLimiter = limiter('auth', auth.points, auth.durationSeconds);
  const generalLimiter = limiter('default', general.points, general.durationSeconds);

  async function consume(limiter: Limiter, key: string, what: string): Promise<void> {
    try {
      await limiter.pick().consume(key);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      ctx.metrics.rateLimited.inc({ limit: limiter.name });
      throw tooManyRequests(
        `too many requests ${what}; wait ${Math.ceil(e.msBeforeNext / 1000)} s (limit ${limiter.points} per ${limiter.duration} s)`,
        e.msBeforeNext / 1000,
      );
    }
  }

  return {
    async check(request: FastifyRequest): Promise<void> {
      const kind = request.routeOptions.config.rateLimit ?? 'default';
      if (kind === 'none') return;
      if (kind === 'auth') {
        await consume(authLimiter, `ip:${request.ip}`, 'from this client to sign-in endpoints');
        const account = accountOf(request);
        if (account) await consume(authLimiter, `account:${account}`, 'for this account');
        return;
      }
      const key = request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`;
      await consume(generalLimiter, key, 'from this client');
    },
  };
}

function accountOf(request: FastifyRequest): string | undefined {
  const body = request.body as { username?: unknown } | undefined;
  if (typeof body?.username === 'string') return body.username.toLowerCase();
  return request.principal?.userId;
}
