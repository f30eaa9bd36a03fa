import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import type { Principal } from '../../http/access.ts';
import { conflict, forbidden, unauthorized, unprocessable } from '../../http/errors.ts';
import { sqlFiles } from '../../data/sql.ts';
import { named } from '../../observability/logger.ts';
import { startAtZero } from '../../observability/metrics.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { hashPassword, verifyDummyPassword, verifyPassword } from './passwords.ts';
import type { TokenCache, TokenFacts } from './token-cache.ts';
import { createAccessTokens, hashRefreshToken, newRefreshToken, type TokenSubject } from './tokens.ts';

/** What a successful sign-in, refresh or password change returns. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: TokenSubject;
}

interface UserCredentials extends TokenSubject {
  disabled: boolean;
  password_hash: string;
}

interface RefreshTokenState {
  id: string;
  family_id: string;
  revoked: boolean;
  replaced: boolean;
  expired: boolean;
  /** Issued before the user's tokens_valid_after. */
  superseded: boolean;
}

type RefreshOutcome =
  | { kind: 'ok'; session: Session }
  | { kind: 'reused'; userId: string }
  | { kind: 'unknown' | 'revoked' | 'expired' | 'disabled' };

const sql = sqlFiles(import.meta.dirname, [
  'find-user-by-username',
  'find-user-credentials',
  'lock-user',
  'lock-user-by-refresh-token',
  'find-refresh-token',
  'insert-refresh-token',
  'mark-refresh-token-replaced',
  'revoke-refresh-token-family',
  'revoke-user-refresh-tokens',
  'revoke-access-token',
  'verify-access-token',
  'change-password',
]);

// The same answer for an unknown user and a wrong password, so usernames cannot be probed.
const INVALID_CREDENTIALS = 'wrong username or password';
const DISABLED = 'this account is disabled; ask an administrator to enable it';
const SIGNED_OUT = 'the access token was revoked by signing out; sign in again';

const REFRESH_REFUSALS: Record<Exclude<RefreshOutcome['kind'], 'ok'>, string> = {
  unknown: 'the refresh token is not valid; sign in again',
  revoked: 'the refresh token was revoked (signed out, password changed or account disabled); sign in again',
  reused:
    'the refresh token was already used once; every token of this sign-in is now revoked in case it was stolen; sign in again',
  expired: 'the refresh token has expired; sign in again',
  disabled: DISABLED,
};

/**
 * Sign-in sessions: issuing, rotating, revoking and verifying tokens.
 *
 * Every transaction that issues or revokes a user's tokens first locks the user's row, so they
 * run one after another per user and always lock users before refresh_tokens. Token instants come
 * from the database's clock_timestamp() taken after that lock, so "issued before the password
 * change" is decided by one clock, to the millisecond.
 */
export function createSessions(ctx: AppContext, cache: TokenCache) {
  const log = named(ctx.log, 'auth');
  const db = ctx.db;
  const accessTokens = createAccessTokens(ctx.secrets.jwtKey, ctx.config.auth.accessTokenTtlSeconds);
  const refreshTtlSeconds = ctx.config.auth.refreshTokenTtlSeconds;

  /** New access and refresh tokens in `familyId`; runs inside a transaction holding the user's lock. */
  async function issue(client: pg.PoolClient, user: TokenSubject, familyId: string): Promise<Session> {
    const refresh = newRefreshToken();
    const { rows } = await client.query<{ issued_at_ms: number }>(sql['insert-refresh-token'], [
      randomUUID(),
      user.id,
      familyId,
      refresh.hash,
      refreshTtlSeconds,
    ]);
    const subject = { id: user.id, username: user.username, role: user.role };
    return {
      accessToken: await accessTokens.sign(subject, rows[0]!.issued_at_ms),
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: accessTokens.ttlSeconds,
      user: subject,
    };
  }

  async function lockUser(client: pg.PoolClient, userId: string): Promise<UserCredentials | undefined> {
    return (await client.query<UserCredentials>(sql['lock-user'], [userId])).rows[0];
  }

  async function signIn(username: string, password: string): Promise<Session> {
    const { rows } = await db.write.query<UserCredentials>(sql['find-user-by-username'], [username]);
    const user = rows[0];
    if (!user) {
      await verifyDummyPassword(password);
      log.info({ reason: 'unknown_user' }, 'sign-in refused');
      throw unauthorized(INVALID_CREDENTIALS);
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      log.info({ user_id: user.id, reason: 'wrong_password' }, 'sign-in refused');
      throw unauthorized(INVALID_CREDENTIALS);
    }
    if (user.disabled) {
      log.info({ user_id: user.id, reason: 'disabled' }, 'sign-in refused');
      throw unauthorized(DISABLED);
    }
    const session = await db.transaction(async (client) => {
      // The password may have changed while it was being verified: then it is no longer right.
      const locked = await lockUser(client, user.id);
      if (!locked || locked.disabled || locked.password_hash !== user.password_hash) {
        throw unauthorized(INVALID_CREDENTIALS);
      }
      return issue(client, locked, randomUUID());
    });
    log.info({ user_id: user.id }, 'signed in');
    return session;
  }

  startAtZero(ctx.metrics.authLogins, [{ outcome: 'success' }, { outcome: 'failure' }]);
  return {
    async login(username: string, password: string): Promise<Session> {
      try {
        const session = await signIn(username, password);
        ctx.metrics.authLogins.inc({ outcome: 'success' });
        return session;
      } catch (e) {
        ctx.metrics.authLogins.inc({ outcome: 'failure' });
        throw e;
      }
    },

    /** Rotates a refresh token; a second use of a rotated token revokes its whole family. */
    async refresh(refreshToken: string): Promise<Session> {
      const tokenHash = hashRefreshToken(refreshToken);
      const outcome = await db.transaction(async (client): Promise<RefreshOutcome> => {
        const lockedUser = await client.query<TokenSubject & { disabled: boolean }>(sql['lock-user-by-refresh-token'], [
          tokenHash,
        ]);
        const user = lockedUser.rows[0];
        if (!user) return { kind: 'unknown' };
        const token = (await client.query<RefreshTokenState>(sql['find-refresh-token'], [tokenHash])).rows[0]!;
        if (token.revoked || token.superseded) return { kind: 'revoked' };
        if (token.replaced) {
          await client.query(sql['revoke-refresh-token-family'], [tokenHash, user.id]);
          return { kind: 'reused', userId: user.id };
        }
        if (token.expired) return { kind: 'expired' };
        if (user.disabled) return { kind: 'disabled' };
        await client.query(sql['mark-refresh-token-replaced'], [token.id]);
        return { kind: 'ok', session: await issue(client, user, token.family_id) };
      });
      if (outcome.kind === 'ok') return outcome.session;
      if (outcome.kind === 'reused') {
        log.warn({ user_id: outcome.userId }, 'refresh token reused: revoked its sign-in (possible token theft)');
      }
      throw unauthorized(REFRESH_REFUSALS[outcome.kind]);
    },

    /** Revokes the caller's access token and, when given, the sign-in its refresh token belongs to. */
    async logout(principal: Principal, refreshToken?: string): Promise<void> {
      await db.transaction(async (client) => {
        await lockUser(client, principal.userId);
        await client.query(sql['revoke-access-token'], [principal.tokenId, principal.userId, principal.tokenExpiresAt]);
        if (refreshToken !== undefined) {
          await client.query(sql['revoke-refresh-token-family'], [hashRefreshToken(refreshToken), principal.userId]);
        }
      });
      await db.afterCommit(() => cache.revoked(principal.tokenId, principal.tokenExpiresAt));
      log.info({ user_id: principal.userId }, 'signed out');
    },

    /**
     * Changes the caller's password, revokes every token the user holds and starts a new sign-in.
     */
    async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<Session> {
      const user = (await db.write.query<UserCredentials>(sql['find-user-credentials'], [principal.userId])).rows[0];
      if (!user) throw unauthorized('the account of this access token no longer exists');
      if (!(await verifyPassword(user.password_hash, currentPassword))) {
        throw forbidden('the current password is wrong');
      }
      const violation = checkPasswordPolicy(newPassword, user.username);
      if (violation) throw unprocessable(`newPassword: ${violation.message}`, { rule: violation.rule });
      const newHash = await hashPassword(newPassword);
      const session = await db.transaction(async (client) => {
        const changed = (
          await client.query<TokenSubject>(sql['change-password'], [user.id, user.password_hash, newHash])
        ).rows[0];
        if (!changed) throw conflict('the password was changed by another request meanwhile; sign in again');
        await client.query(sql['revoke-user-refresh-tokens'], [user.id]);
        return issue(client, changed, randomUUID());
      });
      await db.afterCommit(() => cache.userChanged(user.id));
      log.info({ user_id: user.id }, 'password changed; earlier tokens revoked');
      return session;
    },

    /** The principal of a presented access token, or a 401 saying why it is refused. */
    async verifyAccessToken(token: string): Promise<Principal> {
      const claims = await accessTokens.read(token);
      const cached = await cache.lookup(claims.userId, claims.tokenId);
      if (cached.revoked) throw unauthorized(SIGNED_OUT);
      let user = cached.facts;
      if (!user) {
        // The write pool: a sign-out or password change must take effect on the very next request.
        user = (await db.write.query<TokenFacts>(sql['verify-access-token'], [claims.userId, claims.tokenId])).rows[0];
        if (user && cached.epoch) await cache.store(claims.tokenId, cached.epoch, user, claims.expiresAt);
      }
      if (!user) throw unauthorized('the account of this access token no longer exists');
      if (user.disabled) throw unauthorized(DISABLED);
      if (user.revoked) throw unauthorized(SIGNED_OUT);
      if (claims.issuedAtMs < user.tokens_valid_after_ms) {
        throw unauthorized('the access token was revoked by a password change or account change; sign in again');
      }
      return {
        userId: claims.userId,
        username: user.username,
        // From the database, not the token: a role change applies at once.
        role: user.role,
        tokenId: claims.tokenId,
        tokenExpiresAt: claims.expiresAt,
      };
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
