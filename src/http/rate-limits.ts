import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppContext } from '../context.ts';
import { tooManyRequests } from './errors.ts';

/**
 * The plan's limits: 5/min on sign-in endpoints, per client address and per account, and
 * 100/min for everything else, per signed-in user (or client address when anonymous).
 */
export function createRateLimits(ctx: AppContext) {
  const { auth, default: general } = ctx.config.rateLimits;
  const authLimiter = new RateLimiterMemory({ keyPrefix: 'auth', points: auth.points, duration: auth.durationSeconds });
  const generalLimiter = new RateLimiterMemory({
    keyPrefix: 'default',
    points: general.points,
    duration: general.durationSeconds,
  });

  async function consume(limiter: RateLimiterAbstract, key: string, name: string, what: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      ctx.metrics.rateLimited.inc({ limit: name });
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
        await consume(authLimiter, `ip:${request.ip}`, 'auth', 'from this client to sign-in endpoints');
        const account = accountOf(request);
        if (account) await consume(authLimiter, `account:${account}`, 'auth', 'for this account');
        return;
      }
      const key = request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`;
      await consume(generalLimiter, key, 'default', 'from this client');
    },
  };
}

function accountOf(request: FastifyRequest): string | undefined {
  const body = request.body as { username?: unknown } | undefined;
  if (typeof body?.username === 'string') return body.username.toLowerCase();
  return request.principal?.userId;
}
