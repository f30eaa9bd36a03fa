import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { isHttpError } from '../../http/errors.ts';
import { createAccessTokens, hashRefreshToken, newRefreshToken } from './tokens.ts';

const key = new Uint8Array(randomBytes(48));
const subject = { id: randomUUID(), username: 'ana', role: 'analyst' as const };

const rejectsWith = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (e: unknown) => {
    assert.ok(isHttpError(e));
    assert.equal(e.status, 401);
    assert.match(e.message, message);
    return true;
  });

describe('access tokens', () => {
  const tokens = createAccessTokens(key, 900);

  it('carries the subject, role, id and millisecond issue time', async () => {
    const issuedAtMs = Date.now();
    const token = await tokens.sign(subject, issuedAtMs);
    const claims = await tokens.read(token);
    assert.equal(claims.userId, subject.id);
    assert.equal(claims.issuedAtMs, issuedAtMs);
    assert.equal(claims.expiresAt.getTime(), (Math.floor(issuedAtMs / 1000) + 900) * 1000);
    assert.match(claims.tokenId, /^[0-9a-f-]{36}$/);

    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['exp', 'iat', 'iss', 'jti', 'role', 'sub', 'username']);
    assert.equal(payload.iss, 'jivs');
    assert.equal(payload.role, 'analyst');
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
  });

  it('gives every token its own id', async () => {
    const now = Date.now();
    const a = await tokens.read(await tokens.sign(subject, now));
    const b = await tokens.read(await tokens.sign(subject, now));
    assert.notEqual(a.tokenId, b.tokenId);
  });

  it('says when a token has expired', async () => {
    const token = await tokens.sign(subject, Date.now() - 901_000);
    await rejectsWith(tokens.read(token), /has expired/);
  });

  it('refuses tokens signed with another key, altered, or from another issuer', async () => {
    const other = createAccessTokens(new Uint8Array(randomBytes(48)), 900);
    await rejectsWith(tokens.read(await other.sign(subject, Date.now())), /not valid/);

    const token = await tokens.sign(subject, Date.now());
    const [h, p, s] = token.split('.');
    const altered = Buffer.from(p!, 'base64url').toString().replace('analyst', 'admin');
    await rejectsWith(tokens.read(`${h}.${Buffer.from(altered).toString('base64url')}.${s}`), /not valid/);

    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('someone-else')
      .setSubject(subject.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    await rejectsWith(tokens.read(foreign), /not valid/);
    await rejectsWith(tokens.read('not.a.token'), /not valid/);
  });

  it('refuses a correctly signed token whose claims are not what this service issues', async () => {
    const odd = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('jivs')
      .setSubject("1' OR '1'='1")
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    await rejectsWith(tokens.read(odd), /not valid/);
  });
});

describe('refresh tokens', () => {
  it('are 32 random bytes in base64url, stored only as their SHA-256', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.token, b.token);
    assert.equal(a.hash.length, 32);
    assert.deepEqual(a.hash, hashRefreshToken(a.token));
  });
});
