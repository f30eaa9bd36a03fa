import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
}

const USER = { username: 'leaving', password: 'copper violin meadow' };
const OTHER = { username: 'staying', password: 'granite tulip harbour' };

describe('sign-out revokes tokens', () => {
  let t: TestApp;

  const signIn = async (credentials = USER): Promise<SessionBody> => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: credentials });
    assert.equal(res.status, 200);
    return res.body as SessionBody;
  };
  const refresh = (refreshToken: string) => t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
  const me = (token: string) => t.request('GET', '/api/v1/auth/me', { token });

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    const adminToken = await t.login();
    for (const user of [USER, OTHER]) {
      await t.request('POST', '/api/v1/users', { token: adminToken, body: { ...user, role: 'operator' } });
    }
  });
  after(() => t.close());

  it('revokes the access token of the request', async () => {
    const session = await signIn();
    const other = await signIn();
    const res = await t.request('POST', '/api/v1/auth/logout', { token: session.accessToken });
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);

    const after = await me(session.accessToken);
    assert.equal(after.status, 401);
    assert.match((after.body as { message: string }).message, /revoked by signing out/);
    // Without the refresh token in the body, only the access token is revoked.
    assert.equal((await refresh(session.refreshToken)).status, 200);
    assert.equal((await me(other.accessToken)).status, 200);
    // A second sign-out with the revoked token is itself refused.
    assert.equal((await t.request('POST', '/api/v1/auth/logout', { token: session.accessToken })).status, 401);
  });

  it('also revokes the sign-in of a refresh token given in the body', async () => {
    const session = await signIn();
    const other = await signIn();
    const rotated = (await refresh(session.refreshToken)).body as SessionBody;
    const res = await t.request('POST', '/api/v1/auth/logout', {
      token: rotated.accessToken,
      body: { refreshToken: rotated.refreshToken },
    });
    assert.equal(res.status, 204);
    const refused = await refresh(rotated.refreshToken);
    assert.equal(refused.status, 401);
    assert.match((refused.body as { message: string }).message, /revoked/);
    assert.equal((await refresh(other.refreshToken)).status, 200);
  });

  it("cannot revoke another user's sign-in", async () => {
    const mine = await signIn();
    const theirs = await signIn(OTHER);
    const res = await t.request('POST', '/api/v1/auth/logout', {
      token: mine.accessToken,
      body: { refreshToken: theirs.refreshToken },
    });
    assert.equal(res.status, 204);
    assert.equal((await refresh(theirs.refreshToken)).status, 200);
  });

  it('ignores a refresh token it does not know', async () => {
    const session = await signIn();
    const res = await t.request('POST', '/api/v1/auth/logout', {
      token: session.accessToken,
      body: { refreshToken: 'not-a-token' },
    });
    assert.equal(res.status, 204);
  });

  it('needs an access token', async () => {
    const res = await t.request('POST', '/api/v1/auth/logout');
    assert.equal(res.status, 401);
  });
});
