import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

type Response = Awaited<ReturnType<TestApp['request']>>;

describe('bad input to the auth endpoints is a 4xx with a clear message, never a 5xx', () => {
  let t: TestApp;
  let adminToken: string;

  const login = (body: unknown, headers?: Record<string, string>) =>
    t.request('POST', '/api/v1/auth/login', { body, headers });
  const message = (res: Response) => (res.body as { message: string }).message;
  const expect = (res: Response, status: number, pattern?: RegExp) => {
    assert.equal(res.status, status, JSON.stringify(res.body));
    if (pattern) assert.match(message(res), pattern);
  };

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 10_000 });
    adminToken = await t.login();
  });
  after(() => t.close());

  it('rejects malformed JSON, wrong media types and empty bodies', async () => {
    expect(await login('{"username": "admin", "password": '), 400, /not valid JSON/);
    expect(await login('{"username": "admin"', { 'content-type': 'application/json' }), 400, /not valid JSON/);
    expect(await login('username=admin&password=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    expect(await login('', { 'content-type': 'application/json' }), 400, /empty body/);
    expect(await t.request('POST', '/api/v1/auth/login'), 400, /invalid body/);
    for (const body of ['null', '[]', '"admin"', '42']) expect(await login(body), 400, /invalid body/);
  });

  it('rejects unknown fields, missing fields and wrong types', async () => {
    expect(await login({ username: 'admin', password: t.adminPassword, role: 'admin' }), 400, /role/);
    expect(await login({ username: 'admin' }), 400, /password/);
    expect(await login({ username: 42, password: 'x' }), 400, /username/);
    expect(await login({ username: 'admin', password: ['a'] }), 400, /password/);
    expect(await login({ username: '', password: 'x' }), 400, /username/);
    expect(await login({ username: 'a'.repeat(10_000), password: 'x' }), 400, /username/);
    expect(await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: 42 } }), 400, /refreshToken/);
    expect(await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: '' } }), 400, /refreshToken/);
    expect(
      await t.request('POST', '/api/v1/auth/password', {
        token: adminToken,
        body: { currentPassword: t.adminPassword, newPassword: 'long enough words', extra: true },
      }),
      400,
      /extra/,
    );
    expect(
      await t.request('POST', '/api/v1/auth/logout', { token: adminToken, body: { refreshToken: 'x', everything: true } }),
      400,
    );
  });

  it('rejects a body over the size limit with 413', async () => {
    const res = await login({ username: 'admin', password: 'p'.repeat(2 * 1024 * 1024) });
    expect(res, 413, /larger than the limit/);
  });

  it('rejects control characters in usernames', async () => {
    for (const username of ['adm\u0000in', 'admin\n', '\u001b[31madmin', 'ad\u007fmin']) {
      expect(await login({ username, password: t.adminPassword }), 400, /control characters/);
    }
    const create = await t.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: 'new\u0000user', password: 'some fine passphrase', role: 'analyst' },
    });
    expect(create, 400, /username/);
    expect(await t.request('GET', '/api/v1/users/%00', { token: adminToken }), 400, /control characters/);
  });

  it('treats SQL-looking and odd usernames as plain failed sign-ins', async () => {
    for (const username of [
      "' OR 1=1 --",
      "admin' --",
      "admin'/*",
      "'; DROP TABLE users; --",
      '" OR ""="',
      'admin\\',
      '%',
      '_____',
      '\ud800',
      'ádmín',
      '𝕒𝕕𝕞𝕚𝕟',
    ]) {
      expect(await login({ username, password: "' OR 1=1 --" }), 401, /^wrong username or password$/);
    }
    // The users table is intact and the real admin still signs in.
    assert.ok(await t.login());
  });

  it('rejects invalid user administration input', async () => {
    const users = (body: unknown) => t.request('POST', '/api/v1/users', { token: adminToken, body });
    expect(await users({ username: "' OR 1=1 --", password: 'some fine passphrase', role: 'analyst' }), 400, /username/);
    expect(await users({ username: 'valid', password: 'some fine passphrase', role: 'superuser' }), 400, /role/);
    expect(await users({ username: 'valid', password: 'some fine passphrase' }), 400, /role/);
    expect(await users({ username: 'valid', password: 'some fine passphrase', role: 'analyst', admin: true }), 400);

    const me = await t.request('GET', '/api/v1/auth/me', { token: adminToken });
    const id = (me.body as { id: string }).id;
    const patch = (body: unknown) => t.request('PATCH', `/api/v1/users/${id}`, { token: adminToken, body });
    expect(await patch({ disabled: 'yes' }), 400, /disabled/);
    expect(await patch({ username: 'renamed' }), 400);
    expect(await patch({ role: null }), 400);

    for (const query of ['limit=abc', 'limit=0', 'limit=100000', 'offset=-1']) {
      expect(await t.request('GET', `/api/v1/users?${query}`, { token: adminToken }), 400, /querystring/);
    }
  });

  it('answers 404 for an unknown or malformed user id, not 500', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'abc', '1 OR 1=1', 'x'.repeat(150)]) {
      expect(
        await t.request('GET', `/api/v1/users/${encodeURIComponent(id)}`, { token: adminToken }),
        404,
        /^user .* does not exist$/,
      );
    }
  });
});
