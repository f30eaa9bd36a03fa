import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  user: { id: string; role: string };
}

const USER = { username: 'rotator', password: 'amber kettle horizon' };

describe('refresh token rotation and reuse detection', () => {
  let t: TestApp;
  let adminToken: string;
  let userId: string;

  const signIn = async (): Promise<SessionBody> => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: USER });
    assert.equal(res.status, 200);
    return res.body as SessionBody;
  };
  const refresh = (refreshToken: string) => t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
  const message = (res: { body: unknown }) => (res.body as { message: string }).message;

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    adminToken = await t.login();
    const res = await t.request('POST', '/api/v1/users', { token: adminToken, body: { ...USER, role: 'analyst' } });
    userId = (res.body as { id: string }).id;
  });
  after(() => t.close());

  it('replaces the refresh token with a new one and issues a new access token', async () => {
    const first = await signIn();
    const res = await refresh(first.refreshToken);
    assert.equal(res.status, 200);
    const second = res.body as SessionBody;
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(second.user.id, userId);

    const me = await t.request('GET', '/api/v1/auth/me', { token: second.accessToken });
    assert.equal(me.status, 200);
    // Rotation does not revoke the access token issued before it; it expires on its own.
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token: first.accessToken })).status, 200);

    const third = await refresh(second.refreshToken);
    assert.equal(third.status, 200);
  });

  it('revokes the whole sign-in when a replaced refresh token is used again', async () => {
    const first = await signIn();
    const other = await signIn();
    const second = (await refresh(first.refreshToken)).body as SessionBody;

    const reuse = await refresh(first.refreshToken);
    assert.equal(reuse.status, 401);
    assert.match(message(reuse), /already used once; every token of this sign-in is now revoked/);

    // The thief's or the owner's newer token of that sign-in is dead too.
    const newer = await refresh(second.refreshToken);
    assert.equal(newer.status, 401);
    assert.match(message(newer), /revoked/);

    // Other sign-ins of the same user are not affected.
    assert.equal((await refresh(other.refreshToken)).status, 200);
  });

  it('refuses an expired refresh token', async () => {
    const session = await signIn();
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    try {
      const hash = createHash('sha256').update(session.refreshToken).digest();
      await client.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [
        hash,
      ]);
    } finally {
      await client.end();
    }
    const res = await refresh(session.refreshToken);
    assert.equal(res.status, 401);
    assert.match(message(res), /expired/);
  });

  it('refuses a token it never issued', async () => {
    const res = await refresh('x'.repeat(43));
    assert.equal(res.status, 401);
    assert.equal(message(res), 'the refresh token is not valid; sign in again');
  });

  it('issues refreshed tokens with the current role', async () => {
    const session = await signIn();
    await t.request('PATCH', `/api/v1/users/${userId}`, { token: adminToken, body: { role: 'operator' } });
    const res = await refresh(session.refreshToken);
    assert.equal((res.body as SessionBody).user.role, 'operator');
    await t.request('PATCH', `/api/v1/users/${userId}`, { token: adminToken, body: { role: 'analyst' } });
  });

  it('stops refreshing once the account is disabled', async () => {
    const session = await signIn();
    await t.request('PATCH', `/api/v1/users/${userId}`, { token: adminToken, body: { disabled: true } });
    const res = await refresh(session.refreshToken);
    assert.equal(res.status, 401);
    await t.request('PATCH', `/api/v1/users/${userId}`, { token: adminToken, body: { disabled: false } });
    // Enabling again does not bring old tokens back.
    assert.equal((await refresh(session.refreshToken)).status, 401);
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token: session.accessToken })).status, 401);
  });

  it('lets only one of two concurrent uses of the same refresh token succeed', async () => {
    const session = await signIn();
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });
});
