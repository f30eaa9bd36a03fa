import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from './support/app.ts';

const NEW_USER = { username: 'intruder', password: 'sneaky fox tunnel', role: 'admin' };

describe('access control of the auth endpoints', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const message = (res: { body: unknown }) => (res.body as { message: string }).message;

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    tokens.admin = await t.login();
    for (const role of ['operator', 'analyst', 'auditor']) {
      const password = `${role} secret words`;
      const res = await t.request('POST', '/api/v1/users', {
        token: tokens.admin,
        body: { username: `the-${role}`, password, role },
      });
      assert.equal(res.status, 201);
      tokens[role] = await t.login(`the-${role}`, password);
    }
  });
  after(() => t.close());

  it('refuses an analyst creating a user with 403 and says what is needed', async () => {
    const res = await t.request('POST', '/api/v1/users', { token: tokens.analyst, body: NEW_USER });
    assert.equal(res.status, 403);
    assert.equal(message(res), 'your role analyst may not do this; it needs one of: admin');
  });

  it('keeps every user route to administrators', async () => {
    const me = await t.request('GET', '/api/v1/auth/me', { token: tokens.admin });
    const adminId = (me.body as { id: string }).id;
    for (const role of ['operator', 'analyst', 'auditor']) {
      const token = tokens[role];
      assert.equal((await t.request('GET', '/api/v1/users', { token })).status, 403, role);
      assert.equal((await t.request('POST', '/api/v1/users', { token, body: NEW_USER })).status, 403, role);
      assert.equal((await t.request('GET', `/api/v1/users/${adminId}`, { token })).status, 403, role);
      assert.equal(
        (await t.request('PATCH', `/api/v1/users/${adminId}`, { token, body: { disabled: true } })).status,
        403,
        role,
      );
      assert.equal((await t.request('DELETE', `/api/v1/users/${adminId}`, { token })).status, 403, role);
    }
    assert.equal((await t.request('GET', '/api/v1/users', { token: tokens.admin })).status, 200);
  });

  it('lets every role see its own account', async () => {
    for (const role of ['operator', 'analyst', 'auditor']) {
      const res = await t.request('GET', '/api/v1/auth/me', { token: tokens[role] });
      assert.equal(res.status, 200);
      assert.equal((res.body as { role: string }).role, role);
    }
  });

  it('answers 401 without a token, with a malformed header or a bad token', async () => {
    const none = await t.request('POST', '/api/v1/users', { body: NEW_USER });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.match(message(none), /Authorization: Bearer/);

    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', `Token ${tokens.admin}`]) {
      const res = await t.request('GET', '/api/v1/users', { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
    }
    for (const token of ['garbage', 'a.b.c', `${tokens.admin}x`]) {
      const res = await t.request('GET', '/api/v1/users', { token });
      assert.equal(res.status, 401, token);
      assert.equal(message(res), 'the access token is not valid; sign in again');
    }
  });

  it('refuses a token whose claims were altered', async () => {
    const [header, payload, signature] = tokens.analyst!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const res = await t.request('POST', '/api/v1/users', { token: `${header}.${forged}.${signature}`, body: NEW_USER });
    assert.equal(res.status, 401);
  });

  it('refuses an unsigned token', async () => {
    const [, payload] = tokens.admin!.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const res = await t.request('GET', '/api/v1/users', { token: `${header}.${payload}.` });
    assert.equal(res.status, 401);
  });

  it('refuses an expired token, saying it expired', async () => {
    const [, payload] = tokens.admin!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 1000, exp: now - 100 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(t.app.ctx.secrets.jwtKey);
    const res = await t.request('GET', '/api/v1/auth/me', { token: expired });
    assert.equal(res.status, 401);
    assert.match(message(res), /has expired; get a new one at POST \/api\/v1\/auth\/refresh/);
  });

  it('refuses the token of a deleted user', async () => {
    const created = await t.request('POST', '/api/v1/users', {
      token: tokens.admin,
      body: { username: 'ephemeral', password: 'mayfly sunset wings', role: 'operator' },
    });
    const token = await t.login('ephemeral', 'mayfly sunset wings');
    await t.request('DELETE', `/api/v1/users/${(created.body as { id: string }).id}`, { token: tokens.admin });
    const res = await t.request('GET', '/api/v1/auth/me', { token });
    assert.equal(res.status, 401);
    assert.match(message(res), /no longer exists/);
  });
});
