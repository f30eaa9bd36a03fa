import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; username: string; role: string };
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('sign-in', () => {
  let t: TestApp;
  let adminToken: string;

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    adminToken = await t.login();
    const created = await t.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: 'Ana.Lyst', password: 'ledger quartz orbit', role: 'analyst' },
    });
    assert.equal(created.status, 201);
  });
  after(() => t.close());

  it('created the first admin from the configured password', async () => {
    const res = await t.request('GET', '/api/v1/auth/me', { token: adminToken });
    assert.equal(res.status, 200);
    assert.equal((res.body as { username: string }).username, 'admin');
    assert.equal((res.body as { role: string }).role, 'admin');
    assert.equal(t.app.bootstrapAdmin?.username, 'admin');
    assert.equal(t.app.bootstrapAdmin?.generatedPassword, undefined);
  });

  it('returns an access token, a refresh token and the user', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'Ana.Lyst', password: 'ledger quartz orbit' },
    });
    assert.equal(res.status, 200);
    const body = res.body as SessionBody;
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 900);
    assert.equal(body.user.username, 'Ana.Lyst');
    assert.equal(body.user.role, 'analyst');
    assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);

    const claims = claimsOf(body.accessToken);
    assert.equal(claims.iss, 'jivs');
    assert.equal(claims.sub, body.user.id);
    assert.equal(claims.role, 'analyst');
    assert.equal(claims.username, 'Ana.Lyst');
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
    assert.equal(Math.floor(claims.iat as number) + 900, claims.exp);

    const me = await t.request('GET', '/api/v1/auth/me', { token: body.accessToken });
    assert.equal(me.status, 200);
    assert.equal((me.body as { id: string }).id, body.user.id);
  });

  it('matches the username regardless of case', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'ana.lyst', password: 'ledger quartz orbit' },
    });
    assert.equal(res.status, 200);
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'Ana.Lyst', password: 'ledger quartz orbiT' },
    });
    const unknown = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'nobody', password: 'ledger quartz orbit' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const message = (r: typeof wrong) => (r.body as { message: string }).message;
    assert.equal(message(wrong), 'wrong username or password');
    assert.equal(message(unknown), message(wrong));
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
  });

  it('refuses a disabled account, saying so once the password is right', async () => {
    const created = await t.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: 'leaver', password: 'quiet meadow lantern', role: 'operator' },
    });
    const id = (created.body as { id: string }).id;
    await t.request('PATCH', `/api/v1/users/${id}`, { token: adminToken, body: { disabled: true } });

    const right = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'leaver', password: 'quiet meadow lantern' },
    });
    assert.equal(right.status, 401);
    assert.match((right.body as { message: string }).message, /disabled/);
    const wrong = await t.request('POST', '/api/v1/auth/login', {
      body: { username: 'leaver', password: 'not the password' },
    });
    assert.equal((wrong.body as { message: string }).message, 'wrong username or password');
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await t.request('GET', '/openapi.json');
    const paths = (res.body as { paths: Record<string, Record<string, { tags?: string[] }>> }).paths;
    assert.deepEqual(paths['/api/v1/auth/login']?.post?.tags, ['auth']);
    assert.ok(paths['/api/v1/users/{id}']?.patch);
  });
});
