import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

interface UserBody {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
}

const UNKNOWN_ID = '7d1f9a52-3c4b-4e8a-9f60-2b5c8d7e1a03';

describe('user administration', () => {
  let t: TestApp;
  let adminToken: string;
  let adminId: string;

  const create = (body: unknown) => t.request('POST', '/api/v1/users', { token: adminToken, body });
  const message = (res: { body: unknown }) => (res.body as { message: string }).message;

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 1000 });
    adminToken = await t.login();
    adminId = ((await t.request('GET', '/api/v1/auth/me', { token: adminToken })).body as UserBody).id;
  });
  after(() => t.close());

  it('creates, lists, reads and deletes a user, never showing the password hash', async () => {
    const res = await create({ username: 'o.perator@example.com', password: 'silver harbour engine', role: 'operator' });
    assert.equal(res.status, 201);
    const created = res.body as UserBody;
    assert.equal(created.username, 'o.perator@example.com');
    assert.equal(created.role, 'operator');
    assert.equal(created.disabled, false);
    assert.ok(!Number.isNaN(Date.parse(created.createdAt)));
    assert.ok(!('password_hash' in created) && !('passwordHash' in created));

    const list = await t.request('GET', '/api/v1/users', { token: adminToken });
    assert.equal(list.status, 200);
    const names = (list.body as { users: UserBody[] }).users.map((u) => u.username);
    assert.deepEqual(names, ['admin', 'o.perator@example.com']);
    const page = await t.request('GET', '/api/v1/users?limit=1&offset=1', { token: adminToken });
    assert.deepEqual(
      (page.body as { users: UserBody[] }).users.map((u) => u.username),
      ['o.perator@example.com'],
    );

    const read = await t.request('GET', `/api/v1/users/${created.id}`, { token: adminToken });
    assert.deepEqual(read.body, created);

    assert.equal((await t.request('DELETE', `/api/v1/users/${created.id}`, { token: adminToken })).status, 204);
    assert.equal((await t.request('GET', `/api/v1/users/${created.id}`, { token: adminToken })).status, 404);
  });

  it('refuses a duplicate username, ignoring case, with 409', async () => {
    assert.equal((await create({ username: 'twin', password: 'first mirror passphrase', role: 'analyst' })).status, 201);
    const res = await create({ username: 'TWIN', password: 'second mirror passphrase', role: 'analyst' });
    assert.equal(res.status, 409);
    assert.match(message(res), /already exists/);
  });

  it('checks usernames and passwords of new users', async () => {
    const badName = await create({ username: 'has space', password: 'fine long passphrase', role: 'analyst' });
    assert.equal(badName.status, 400);
    assert.match(message(badName), /letters A-Z and a-z, digits, and \. _ - @/);
    assert.equal((await create({ username: 'x'.repeat(65), password: 'fine long passphrase', role: 'analyst' })).status, 400);
    assert.equal((await create({ username: '', password: 'fine long passphrase', role: 'analyst' })).status, 400);
    assert.equal((await create({ username: 'ok', password: 'fine long passphrase', role: 'root' })).status, 400);

    const weak = await create({ username: 'weakling', password: 'password', role: 'analyst' });
    assert.equal(weak.status, 422);
    assert.match(message(weak), /^password: .*commonly used or breached/);
    const own = await create({ username: 'narcissus', password: 'Narcissus2024!', role: 'analyst' });
    assert.equal(own.status, 422);
    assert.match(message(own), /contain/);
  });

  it('changes a role, which applies to existing tokens at once', async () => {
    const created = (await create({ username: 'climber', password: 'ladder rope carabiner', role: 'analyst' })).body as UserBody;
    const token = await t.login('climber', 'ladder rope carabiner');
    assert.equal((await t.request('GET', '/api/v1/users', { token })).status, 403);

    const res = await t.request('PATCH', `/api/v1/users/${created.id}`, { token: adminToken, body: { role: 'admin' } });
    assert.equal(res.status, 200);
    assert.equal((res.body as UserBody).role, 'admin');
    assert.equal((await t.request('GET', '/api/v1/users', { token })).status, 200);

    await t.request('PATCH', `/api/v1/users/${created.id}`, { token: adminToken, body: { role: 'auditor' } });
    assert.equal((await t.request('GET', '/api/v1/users', { token })).status, 403);
  });

  it('disables a user, revoking its tokens, and enables it again', async () => {
    const created = (await create({ username: 'sleeper', password: 'pillow blanket dream', role: 'operator' })).body as UserBody;
    const token = await t.login('sleeper', 'pillow blanket dream');
    const res = await t.request('PATCH', `/api/v1/users/${created.id}`, { token: adminToken, body: { disabled: true } });
    assert.equal((res.body as UserBody).disabled, true);
    const refused = await t.request('GET', '/api/v1/auth/me', { token });
    assert.equal(refused.status, 401);
    assert.match(message(refused), /disabled/);

    await t.request('PATCH', `/api/v1/users/${created.id}`, { token: adminToken, body: { disabled: false } });
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token })).status, 401);
    assert.ok(await t.login('sleeper', 'pillow blanket dream'));
  });

  it('needs at least one change in a PATCH', async () => {
    const res = await t.request('PATCH', `/api/v1/users/${adminId}`, { token: adminToken, body: {} });
    assert.equal(res.status, 400);
    assert.match(message(res), /send role, disabled or both/);
  });

  it('does not let an administrator delete, disable or demote their own account', async () => {
    for (const [method, body, what] of [
      ['DELETE', undefined, 'delete'],
      ['PATCH', { disabled: true }, 'disable'],
      ['PATCH', { role: 'operator' }, 'remove the admin role from'],
    ] as const) {
      const res = await t.request(method, `/api/v1/users/${adminId}`, { token: adminToken, body });
      assert.equal(res.status, 409);
      assert.equal(message(res), `you cannot ${what} your own account; ask another administrator`);
    }
    // Setting the role it already has is harmless.
    const same = await t.request('PATCH', `/api/v1/users/${adminId}`, { token: adminToken, body: { role: 'admin' } });
    assert.equal(same.status, 200);
    assert.equal((await t.request('GET', '/api/v1/auth/me', { token: adminToken })).status, 200);
  });

  it('answers 404 for unknown and malformed ids on every user route', async () => {
    for (const id of [UNKNOWN_ID, 'not-a-uuid', '123', UNKNOWN_ID.toUpperCase() + 'x', "1' OR '1'='1"]) {
      const path = `/api/v1/users/${encodeURIComponent(id)}`;
      for (const [method, body] of [['GET'], ['PATCH', { role: 'analyst' }], ['DELETE']] as const) {
        const res = await t.request(method, path, { token: adminToken, body });
        assert.equal(res.status, 404, `${method} ${id}`);
        assert.equal(message(res), `user ${id} does not exist`);
      }
    }
  });
});
