import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
}

const USERNAME = 'changer';
const FIRST = 'velvet compass river';

describe('password change', () => {
  let t: TestApp;

  const signIn = async (password: string): Promise<SessionBody> => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: { username: USERNAME, password } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as SessionBody;
  };
  const change = (token: string, currentPassword: string, newPassword: string) =>
    t.request('POST', '/api/v1/auth/password', { token, body: { currentPassword, newPassword } });
  const me = (token: string) => t.request('GET', '/api/v1/auth/me', { token });
  const refresh = (refreshToken: string) => t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
  const message = (res: { body: unknown }) => (res.body as { message: string }).message;

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    const adminToken = await t.login();
    const res = await t.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: USERNAME, password: FIRST, role: 'auditor' },
    });
    assert.equal(res.status, 201);
  });
  after(() => t.close());

  it('revokes every earlier access and refresh token and returns working new ones', async () => {
    const a = await signIn(FIRST);
    const b = await signIn(FIRST);
    const rotated = (await refresh(b.refreshToken)).body as SessionBody;

    const res = await change(a.accessToken, FIRST, 'second secret passphrase');
    assert.equal(res.status, 200);
    const fresh = res.body as SessionBody;

    for (const token of [a.accessToken, b.accessToken, rotated.accessToken]) {
      const refused = await me(token);
      assert.equal(refused.status, 401);
      assert.match(message(refused), /revoked by a password change/);
    }
    for (const token of [a.refreshToken, rotated.refreshToken]) assert.equal((await refresh(token)).status, 401);

    // Issued in the same millisecond as the change, still valid.
    assert.equal((await me(fresh.accessToken)).status, 200);
    assert.equal((await refresh(fresh.refreshToken)).status, 200);

    const old = await t.request('POST', '/api/v1/auth/login', { body: { username: USERNAME, password: FIRST } });
    assert.equal(old.status, 401);
    await signIn('second secret passphrase');

    const back = await change(fresh.accessToken, 'second secret passphrase', FIRST);
    assert.equal(back.status, 200);
  });

  it('needs the right current password', async () => {
    const session = await signIn(FIRST);
    const res = await change(session.accessToken, 'not my password', 'another good passphrase');
    assert.equal(res.status, 403);
    assert.equal(message(res), 'the current password is wrong');
    assert.equal((await me(session.accessToken)).status, 200);
  });

  it('applies the password policy and says which rule failed', async () => {
    const session = await signIn(FIRST);
    const cases: Array<[string, RegExp, string]> = [
      ['short', /at least 8 characters long \(it has 5\)/, 'too_short'],
      ['x'.repeat(129), /at most 128 characters long \(it has 129\)/, 'too_long'],
      ['BaseBall', /commonly used or breached/, 'common'],
      ['iloveyou', /commonly used or breached/, 'common'],
      ['my changer password', /must not be the username or contain it/, 'contains_username'],
      // Seven code points but fourteen UTF-16 units: still too short.
      ['🔑🔑🔑🔑🔑🔑🔑', /it has 7/, 'too_short'],
    ];
    for (const [candidate, pattern, rule] of cases) {
      const res = await change(session.accessToken, FIRST, candidate);
      assert.equal(res.status, 422, candidate);
      assert.match(message(res), pattern);
      assert.deepEqual((res.body as { details: unknown }).details, { rule });
    }
    // Nothing changed: the session is intact.
    assert.equal((await me(session.accessToken)).status, 200);
  });

  it('accepts any characters, counting code points', async () => {
    const session = await signIn(FIRST);
    const res = await change(session.accessToken, FIRST, '🔑🔑🔑🔑🔑🔑🔑🔑');
    assert.equal(res.status, 200);
    const next = res.body as SessionBody;
    assert.equal((await change(next.accessToken, '🔑🔑🔑🔑🔑🔑🔑🔑', FIRST)).status, 200);
  });

  it('needs an access token', async () => {
    const res = await t.request('POST', '/api/v1/auth/password', {
      body: { currentPassword: FIRST, newPassword: 'anything goes here' },
    });
    assert.equal(res.status, 401);
  });
});
