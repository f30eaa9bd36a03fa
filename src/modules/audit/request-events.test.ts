import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../http/access.ts';
import { actionOf, requestEvent, type FinishedRequest } from './request-events.ts';

const principal: Principal = {
  userId: '0d4c5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  username: 'olivia',
  role: 'operator',
  tokenId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
  tokenExpiresAt: new Date(),
};

const request = (r: Partial<FinishedRequest>): FinishedRequest => ({
  method: 'GET',
  route: undefined,
  params: {},
  body: undefined,
  query: {},
  status: 200,
  principal: undefined,
  ip: '192.0.2.7',
  requestId: 'req-1',
  ...r,
});

describe('audit action of a route', () => {
  it('names collections, items and operations', () => {
    const cases: Array<[string, string, string]> = [
      ['POST', 'sources', 'sources.create'],
      ['GET', 'archive/datasets', 'archive.datasets.list'],
      ['GET', 'archive/datasets/:id', 'archive.datasets.read'],
      ['DELETE', 'sources/:id', 'sources.delete'],
      ['PATCH', 'users/:id', 'users.update'],
      ['PUT', 'policies/:id', 'policies.update'],
      ['POST', 'sources/:id/test', 'sources.test'],
      ['POST', 'extractions/:id/start', 'extractions.start'],
      ['GET', 'archive/datasets/:id/rows', 'archive.datasets.rows'],
      ['DELETE', 'compliance/holds/:id/release', 'compliance.holds.release.delete'],
      ['GET', 'audit/export', 'audit.export'],
      ['GET', 'archive/datasets/:id/export', 'archive.datasets.export'],
    ];
    for (const [method, path, action] of cases) assert.equal(actionOf(method, path), action, `${method} ${path}`);
  });
});

describe('which requests are audited', () => {
  it('records a sign-in with the claimed username and never the password', () => {
    const body = { username: 'alice', password: 'hunter2 hunter2' };
    const ok = requestEvent(request({ method: 'POST', route: '/api/v1/auth/login', body, status: 200 }));
    assert.equal(ok?.action, 'auth.login');
    assert.equal(ok?.outcome, 'success');
    assert.equal(ok?.actorUsername, 'alice');
    assert.equal(ok?.actorUserId, null);
    assert.doesNotMatch(JSON.stringify(ok), /hunter2/);

    const wrong = requestEvent(request({ method: 'POST', route: '/api/v1/auth/login', body, status: 401 }));
    assert.equal(wrong?.outcome, 'failure', 'a wrong password is a failed sign-in, not a denied permission');
    const limited = requestEvent(request({ method: 'POST', route: '/api/v1/auth/login', body, status: 429 }));
    assert.equal(limited?.outcome, 'failure');
    const malformed = requestEvent(request({ method: 'POST', route: '/api/v1/auth/login', body: { username: 42 }, status: 400 }));
    assert.equal(malformed?.actorUsername, null);
  });

  it('records session changes without their tokens', () => {
    const refresh = requestEvent(
      request({ method: 'POST', route: '/api/v1/auth/refresh', body: { refreshToken: 'secret-token' }, status: 401 }),
    );
    assert.deepEqual([refresh?.action, refresh?.outcome, refresh?.actorUsername], ['auth.refresh', 'failure', null]);
    assert.doesNotMatch(JSON.stringify(refresh), /secret-token/);
    const change = requestEvent(
      request({ method: 'POST', route: '/api/v1/auth/password', principal, body: { currentPassword: 'old pw', newPassword: 'new pw' } }),
    );
    assert.equal(change?.action, 'auth.password.change');
    assert.equal(change?.actorUserId, principal.userId);
    assert.doesNotMatch(JSON.stringify(change), /old pw|new pw/);
    assert.equal(requestEvent(request({ method: 'POST', route: '/api/v1/auth/logout', principal, status: 204 }))?.action, 'auth.logout');
  });

  it('records every change with the actor, the target id and the outcome', () => {
    const created = requestEvent(request({ method: 'POST', route: '/api/v1/sources', principal, status: 201, body: { dsn: 'postgres://u:pw@h/db' } }));
    assert.equal(created?.action, 'sources.create');
    assert.equal(created?.target, null);
    assert.equal(created?.outcome, 'success');
    assert.deepEqual([created?.actorUsername, created?.actorRole], ['olivia', 'operator']);
    assert.deepEqual(created?.details, { method: 'POST', route: '/api/v1/sources', status: 201, requestId: 'req-1' });
    assert.equal(created?.sourceIp, '192.0.2.7');

    const id = '6f1c2a9e-0b7d-4c3e-9a51-2d8e4f60a1b2';
    const deleted = requestEvent(request({ method: 'DELETE', route: '/api/v1/sources/:id', params: { id }, principal, status: 409 }));
    assert.deepEqual([deleted?.action, deleted?.target, deleted?.outcome], ['sources.delete', id, 'failure']);
    const anonymous = requestEvent(request({ method: 'DELETE', route: '/api/v1/sources/:id', params: { id }, status: 401 }));
    assert.deepEqual([anonymous?.outcome, anonymous?.actorUsername], ['denied', null]);
    assert.equal(requestEvent(request({ method: 'PATCH', route: '/api/v1/users/:id', params: { id }, principal, status: 403 }))?.outcome, 'denied');
  });

  it('records data access and exports, with the filters used', () => {
    const listing = requestEvent(request({ route: '/api/v1/archive/datasets', principal, query: { limit: 10 } }));
    assert.equal(listing?.action, 'archive.datasets.list');
    assert.deepEqual(listing?.details?.query, { limit: 10 });
    const exported = requestEvent(request({ route: '/api/v1/audit/export', principal, query: { format: 'csv' } }));
    assert.equal(exported?.action, 'audit.export');
    const refused = requestEvent(request({ route: '/api/v1/archive/datasets', status: 403, query: { junk: 'x' } }));
    assert.equal(refused?.outcome, 'denied');
    assert.equal(refused?.details?.query, undefined, 'unvalidated input is not recorded');
  });

  it('skips health, metrics, docs, metadata reads and unmatched routes', () => {
    for (const r of [
      request({ route: '/health' }),
      request({ route: '/metrics' }),
      request({ route: '/docs/*' }),
      request({ route: '/openapi.json' }),
      request({ route: '/api/v1/sources', principal }),
      request({ route: '/api/v1/extractions/:id', principal }),
      request({ route: '/api/v1/audit', principal }),
      request({ method: 'HEAD', route: '/api/v1/archive/datasets', principal }),
      request({ method: 'POST', route: undefined, status: 404 }),
    ]) {
      assert.equal(requestEvent(r), undefined, `${r.method} ${r.route}`);
    }
  });
});
