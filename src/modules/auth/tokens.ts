import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Role } from '../../http/access.ts';
import { unauthorized } from '../../http/errors.ts';

const ISSUER = 'jivs';
const ALGORITHM = 'HS256';

/** Who a token is issued to. */
export interface TokenSubject {
  id: string;
  username: string;
  role: Role;
}

/** The claims of a verified access token that the database checks still need. */
export interface AccessTokenClaims {
  userId: string;
  tokenId: string;
  /** Issue time in milliseconds, for comparison with the user's tokens_valid_after. */
  issuedAtMs: number;
  expiresAt: Date;
}

// Only this service signs tokens, but a claim that is not what it should be must still be a 401.
const claimsSchema = z.object({
  sub: z.uuid(),
  jti: z.uuid(),
  iat: z.number(),
  exp: z.number(),
});

/**
 * Signs and reads access tokens: HS256 JWTs with claims sub (user id), username, role, jti, iat,
 * exp and iss `jivs`. `iat` carries milliseconds (a JWT NumericDate may be fractional) so that a
 * revocation and a token issued in the same second are told apart.
 */
export function createAccessTokens(key: Uint8Array, ttlSeconds: number) {
  return {
    ttlSeconds,

    /** A new access token for the subject, issued at `issuedAtMs` (the database's clock). */
    sign(subject: TokenSubject, issuedAtMs: number): Promise<string> {
      return new SignJWT({ username: subject.username, role: subject.role })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setSubject(subject.id)
        .setJti(randomUUID())
        .setIssuedAt(issuedAtMs / 1000)
        .setExpirationTime(Math.floor(issuedAtMs / 1000) + ttlSeconds)
        .sign(key);
    },

    /** Checks signature, issuer and expiry; throws a 401 saying which check failed. */
    async read(token: string): Promise<AccessTokenClaims> {
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          algorithms: [ALGORITHM],
          typ: 'JWT',
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        }));
      } catch (e) {
        if (e instanceof errors.JWTExpired) {
          throw unauthorized('the access token has expired; get a new one at POST /api/v1/auth/refresh or sign in again');
        }
        throw unauthorized('the access token is not valid; sign in again');
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized('the access token is not valid; sign in again');
      return {
        userId: claims.data.sub,
        tokenId: claims.data.jti,
        issuedAtMs: Math.round(claims.data.iat * 1000),
        expiresAt: new Date(claims.data.exp * 1000),
      };
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** How refresh tokens are stored: only their SHA-256, so a database leak yields no usable token. */
export const hashRefreshToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A new opaque refresh token (32 random bytes, base64url) and its stored hash. */
export function newRefreshToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}
