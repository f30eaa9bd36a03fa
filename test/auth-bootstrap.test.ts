import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../src/config/schema.ts';
import { createAuthModule } from '../src/modules/auth/index.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { startTestApp, type TestApp } from './support/app.ts';

describe('first admin account', () => {
  let t: TestApp;

  /** The auth module of another instance on the same database, with other auth settings. */
  const instance = (auth: Partial<Config['auth']>) => {
    const ctx = t.app.ctx;
    // Its own metrics, as another instance has: one registry takes each metric once.
    return createAuthModule({ ...ctx, metrics: createMetrics(), config: { ...ctx.config, auth: { ...ctx.config.auth, ...auth } } });
  };
  const query = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const admins = async () =>
    (await query<{ username: string }>("SELECT username FROM users WHERE role = 'admin'")).map((r) => r.username);

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
  });
  after(() => t.close());

  it('leaves things alone when an admin exists', async () => {
    assert.deepEqual(await admins(), ['admin']);
    assert.equal(await instance({}).ensureAdmin(), undefined);
    assert.deepEqual(await admins(), ['admin']);
  });

  describe('with no admin', () => {
    beforeEach(() => query("DELETE FROM users WHERE role = 'admin'"));

    it('creates exactly one when several instances start at once', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, () => instance({}).ensureAdmin()));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        [{ username: 'admin' }],
      );
      assert.deepEqual(await admins(), ['admin']);
      assert.ok(await t.login('admin', t.adminPassword));
    });

    it('generates a password when none is configured and returns it once', async () => {
      const auth = instance({ adminUsername: 'root', adminPassword: undefined });
      const created = await auth.ensureAdmin();
      assert.equal(created?.username, 'root');
      const password = created?.generatedPassword ?? '';
      assert.match(password, /^[A-Za-z0-9_-]{24}$/);
      assert.ok(await t.login('root', password));
      assert.equal(await auth.ensureAdmin(), undefined);
    });

    it('refuses a configured password that fails the policy, naming the setting', async () => {
      const cases: Array<[string, RegExp]> = [
        ['short', /at least 8 characters/],
        ['password1', /commonly used or breached/],
        ['admin-rocks-forever', /must not be the username or contain it/],
      ];
      for (const [adminPassword, rule] of cases) {
        await assert.rejects(instance({ adminPassword }).ensureAdmin(), (e: Error) => {
          assert.match(e.message, /^JIVS_AUTH_ADMIN_PASSWORD \(auth\.adminPassword\): /);
          assert.match(e.message, rule);
          return true;
        });
      }
      assert.deepEqual(await admins(), []);
    });

    it('refuses an admin username that is taken by a user of another role', async () => {
      const adminToken = await instance({ adminUsername: 'first' }).ensureAdmin().then(() => t.login('first'));
      await t.request('POST', '/api/v1/users', {
        token: adminToken,
        body: { username: 'boss', password: 'quiet office window', role: 'operator' },
      });
      await query("DELETE FROM users WHERE role = 'admin'");
      await assert.rejects(instance({ adminUsername: 'BOSS' }).ensureAdmin(), /JIVS_AUTH_ADMIN_USERNAME .*"BOSS" is taken/);
      await assert.rejects(instance({ adminUsername: 'no spaces' }).ensureAdmin(), /JIVS_AUTH_ADMIN_USERNAME/);
    });
  });
});
