import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { Role } from '../../http/access.ts';
import { CACHE_RESULTS, labelCombinations, startAtZero } from '../../observability/metrics.ts';

/** What verifying an access token needs to know, as the database answers it. */
export interface TokenFacts {
  username: string;
  role: Role;
  disabled: boolean;
  tokens_valid_after_ms: number;
  revoked: boolean;
}

// Short: it bounds how long a change could go unseen if an instance died between its COMMIT and
// the invalidation below, and how long entries from before a Redis failover are distrusted.
const TTL_SECONDS = 30;

const tokenKey = (jti: string) => `jivs:auth:token:${jti}`;
const revokedKey = (jti: string) => `jivs:auth:revoked:${jti}`;
const epochKey = (userId: string) => `jivs:auth:epoch:${userId}`;

/**
 * Redis in front of the per-request token check, never the only copy: PostgreSQL holds every
 * revocation and user change, Redis a copy of revocations (`revoked:<jti>`) and, per token, the
 * facts last read from PostgreSQL tagged with the user's epoch. Any change to a user (role,
 * disabled, password, deletion) sets a new random epoch after it commits, so every cached
 * entry of that user stops matching; an evicted epoch is a miss, never a false match.
 *
 * Reads go to the master: a replica a few milliseconds behind could still accept a token that
 * was just signed out. After a Redis failover (writes the old master took may be lost) entries
 * are distrusted for one TTL, by which time everything written before it has expired. With the
 * circuit open or Redis down every check goes to PostgreSQL.
 */
export function createTokenCache(ctx: AppContext) {
  const requests = ctx.metrics.cacheRequests;
  startAtZero(requests, labelCombinations({ cache: ['auth'], result: CACHE_RESULTS }));
  const connections = ctx.redis.connections;
  const trusted = () => connections !== undefined && Date.now() - connections.masterSwitchedAt() > TTL_SECONDS * 1000;

  return {
    /**
     * The cached facts of a token, or a miss with the epoch to store the database's answer
     * under (read before the database is asked, so a change committed meanwhile wins).
     */
    async lookup(userId: string, jti: string): Promise<{ facts?: TokenFacts; revoked: boolean; epoch?: string }> {
      if (!connections) return { revoked: false };
      const values = await ctx.redis.run((r) => r.mget(tokenKey(jti), revokedKey(jti), epochKey(userId)));
      if (!values) {
        requests.inc({ cache: 'auth', result: 'bypass' });
        return { revoked: false };
      }
      const [entry, revoked, epoch] = values;
      // A revocation copy is safe to act on whatever happened to Redis: it only ever refuses.
      if (revoked) return { revoked: true };
      if (!trusted()) {
        requests.inc({ cache: 'auth', result: 'bypass' });
        return { revoked: false };
      }
      const cached = entry ? (JSON.parse(entry) as { epoch: string; facts: TokenFacts }) : undefined;
      if (cached && epoch && cached.epoch === epoch) {
        requests.inc({ cache: 'auth', result: 'hit' });
        return { facts: cached.facts, revoked: false };
      }
      requests.inc({ cache: 'auth', result: 'miss' });
      return { revoked: false, epoch: epoch ?? (await startEpoch(userId)) };
    },

    /** Keeps the database's answer for this token, under the epoch `lookup` gave. */
    async store(jti: string, epoch: string, facts: TokenFacts, tokenExpiresAt: Date): Promise<void> {
      const ttl = Math.min(TTL_SECONDS, Math.ceil((tokenExpiresAt.getTime() - Date.now()) / 1000));
      if (ttl > 0) await ctx.redis.run((r) => r.set(tokenKey(jti), JSON.stringify({ epoch, facts }), 'EX', ttl));
    },

    /** The copy of a sign-out (after it committed in PostgreSQL), until the token would expire anyway. */
    async revoked(jti: string, tokenExpiresAt: Date): Promise<void> {
      const ttl = Math.ceil((tokenExpiresAt.getTime() - Date.now()) / 1000);
      if (ttl > 0) await ctx.redis.run((r) => r.multi().set(revokedKey(jti), '1', 'EX', ttl).del(tokenKey(jti)).exec());
    },

    /** Every cached entry of the user stops matching (after a change to the user committed). */
    async userChanged(userId: string): Promise<void> {
      await ctx.redis.run((r) => r.set(epochKey(userId), randomUUID(), 'EX', 24 * 3600));
    },
  };

  async function startEpoch(userId: string): Promise<string | undefined> {
    const fresh = randomUUID();
    const set = await ctx.redis.run((r) => r.set(epochKey(userId), fresh, 'EX', 24 * 3600, 'NX'));
    if (set === 'OK') return fresh;
    return (await ctx.redis.run((r) => r.get(epochKey(userId)))) ?? undefined;
  }
}

export type TokenCache = ReturnType<typeof createTokenCache>;
