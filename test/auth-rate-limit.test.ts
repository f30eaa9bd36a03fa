import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

// The server trusts X-Forwarded-For from 127.0.0.1, so each test can act as clients of its own.
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const VICTIM = { username: 'victim', password: 'lighthouse pebble storm' };
const TARGET = { username: 'target', password: 'orchard mosaic thunder' };

describe('rate limits of the sign-in endpoints (5 a minute)', () => {
  let t: TestApp;

  const login = (body: { username: string; password: string }, headers?: Record<string, string>) =>
    t.request('POST', '/api/v1/auth/login', { body, headers });
  const message = (res: { body: unknown }) => (res.body as { message: string }).message;

  before(async () => {
    t = await startTestApp();
    const admin = await login({ username: 'admin', password: t.adminPassword }, from('198.51.100.250'));
    const token = (admin.body as { accessToken: string }).accessToken;
    for (const user of [VICTIM, TARGET]) {
      const res = await t.request('POST', '/api/v1/users', { token, body: { ...user, role: 'analyst' } });
      assert.equal(res.status, 201);
    }
  });
  after(() => t.close());

  it('refuses the sixth sign-in of a client within a minute with 429 and Retry-After', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await login({ username: `someone${i}`, password: 'wrong password' });
      assert.equal(res.status, 401, `attempt ${i}`);
    }
    // Even with the right password: the limit counts attempts, not failures.
    const sixth = await login(VICTIM);
    assert.equal(sixth.status, 429);
    assert.equal((sixth.body as { error: string }).error, 'rate_limited');
    assert.match(
      message(sixth),
      /^too many requests from this client to sign-in endpoints; wait \d+ s \(limit 5 per 60 s\)$/,
    );
    const retryAfter = Number(sixth.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);

    // Another client is not affected.
    assert.equal((await login(VICTIM, from('198.51.100.1'))).status, 200);
  });

  it('refuses the sixth attempt on one account from anywhere', async () => {
    const account = { username: TARGET.username, password: 'guessing' };
    for (let i = 1; i <= 5; i++) {
      const res = await login(account, from(`203.0.113.${i}`));
      assert.equal(res.status, 401, `attempt ${i}`);
    }
    // A fresh client, the right password, the username in other case: still the same account.
    const sixth = await login({ username: 'TARGET', password: TARGET.password }, from('203.0.113.99'));
    assert.equal(sixth.status, 429);
    assert.match(message(sixth), /^too many requests for this account; wait \d+ s \(limit 5 per 60 s\)$/);
    assert.ok(Number(sixth.headers.get('retry-after')) >= 1);

    // Other accounts can still sign in from that client.
    assert.equal((await login(VICTIM, from('203.0.113.99'))).status, 200);
  });

  it('limits token refreshes per client', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) {
      statuses.push((await t.request('POST', '/api/v1/auth/refresh', {
        body: { refreshToken: `unknown-${i}` },
        headers: from('192.0.2.7'),
      })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });

  it('limits current-password guesses per account', async () => {
    const res = await login(VICTIM, from('192.0.2.50'));
    const token = (res.body as { accessToken: string }).accessToken;
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const attempt = await t.request('POST', '/api/v1/auth/password', {
        token,
        body: { currentPassword: `guess ${i}`, newPassword: 'whatever new words' },
        headers: from(`192.0.2.${100 + i}`),
      });
      statuses.push(attempt.status);
      if (attempt.status === 429) assert.match(message(attempt), /for this account/);
    }
    assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429]);
  });
});
