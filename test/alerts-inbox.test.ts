import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StoredAlert } from '../src/modules/alerts/store.ts';
import { startTestApp, type TestApp } from './support/app.ts';

const TOKEN = 'inbox-token-0123456789-abcdefghijklmnop';
const INBOX = '/api/v1/alerts/inbox';

interface AlertInput {
  status?: 'firing' | 'resolved';
  alertname?: string;
  member?: string;
  fingerprint: string;
  startsAt: string;
  endsAt?: string;
  annotations?: Record<string, string>;
}

/** A notification as Alertmanager 0.25's webhook sends it (field for field). */
function notification(receiver: string, alerts: AlertInput[], extra: Record<string, unknown> = {}) {
  const built = alerts.map((a) => {
    const labels = {
      alertname: a.alertname ?? 'RedisMasterDown',
      instance: '127.0.0.1:17060',
      job: 'redis',
      member: a.member ?? 'redis-a',
      severity: 'critical',
      tier: '1',
      zone: 'a',
    };
    return {
      status: a.status ?? 'firing',
      labels,
      annotations: a.annotations ?? {
        summary: `Redis master ${labels.member} is down`,
        description: `${labels.member} (zone a) was the Redis master within the last 15 minutes and has not answered for 30 seconds.`,
        runbook_url: `docs/runbooks/${labels.alertname}.md`,
      },
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://127.0.0.1:17130/graph?g0.expr=redis_up%7Bjob%3D%22redis%22%7D+%3D%3D+0&g0.tab=1',
      fingerprint: a.fingerprint,
    };
  });
  const first = built[0]!.labels;
  return {
    receiver,
    status: built.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: built,
    groupLabels: { alertname: first.alertname, member: first.member, zone: first.zone },
    commonLabels: first,
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:17132',
    version: '4',
    groupKey: `{}/{tier="1"}:{alertname="${first.alertname}", member="${first.member}", zone="a"}`,
    truncatedAlerts: 0,
    ...extra,
  };
}

describe('alert inbox', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  // `authorization` null: no header at all.
  const deliver = (body: unknown, receiver = 'pagerduty', authorization: string | null = `Bearer ${TOKEN}`) =>
    t.request('POST', `${INBOX}?receiver=${receiver}`, { body, headers: authorization === null ? {} : { authorization } });
  const list = async (query = '') => {
    const res = await t.request('GET', `/api/v1/alerts${query}`, { token: tokens.admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { items: StoredAlert[]; nextCursor: number | null };
  };
  const count = async (query: string) => (await list(`?limit=500&${query}`)).items.length;

  before(async () => {
    t = await startTestApp({ 'alerts.webhookToken': TOKEN, 'rateLimits.auth.points': 50 });
    tokens.admin = await t.login();
    for (const role of ['operator', 'analyst', 'auditor']) {
      const password = `${role} watches the pager`;
      const res = await t.request('POST', '/api/v1/users', { token: tokens.admin, body: { username: `the-${role}`, password, role } });
      assert.equal(res.status, 201);
      tokens[role] = await t.login(`the-${role}`, password);
    }
  });
  after(() => t.close());

  it('stores a firing notification and then its resolution, and lists both newest first', async () => {
    const fingerprint = 'a1b2c3d4e5f60718';
    const startsAt = '2025-03-01T10:20:30.123456789Z';
    const firing = notification('pagerduty', [{ fingerprint, startsAt }]);
    const first = await deliver(firing);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { alerts: 1, stored: 1, repeats: 0 });

    let items = (await list(`?alertname=RedisMasterDown&receiver=pagerduty`)).items;
    assert.equal(items.length, 1);
    const [stored] = items;
    assert.equal(stored!.status, 'firing');
    assert.equal(stored!.receiver, 'pagerduty');
    assert.equal(stored!.fingerprint, fingerprint);
    assert.equal(stored!.alertname, 'RedisMasterDown');
    assert.deepEqual(stored!.labels, firing.alerts[0]!.labels);
    assert.deepEqual(stored!.annotations, firing.alerts[0]!.annotations);
    // PostgreSQL keeps microseconds: Alertmanager's nanoseconds round to the nearest one.
    assert.equal(stored!.startsAt, '2025-03-01T10:20:30.123457Z');
    assert.equal(stored!.endsAt, null, 'Go\'s zero time means "still firing"');
    assert.equal(stored!.groupKey, firing.groupKey);
    assert.ok(Math.abs(Date.parse(stored!.receivedAt) - Date.now()) < 60_000, stored!.receivedAt);

    const endsAt = '2025-03-01T10:25:00.5Z';
    const resolved = await deliver(notification('pagerduty', [{ fingerprint, startsAt, endsAt, status: 'resolved' }]));
    assert.deepEqual(resolved.body, { alerts: 1, stored: 1, repeats: 0 });
    items = (await list(`?alertname=RedisMasterDown&receiver=pagerduty`)).items;
    assert.deepEqual(items.map((i) => i.status), ['resolved', 'firing']);
    assert.equal(items[0]!.endsAt, '2025-03-01T10:25:00.500000Z');
    assert.ok(items[0]!.id > items[1]!.id);
    assert.deepEqual((await list('?status=resolved&alertname=RedisMasterDown')).items.map((i) => i.id), [items[0]!.id]);
  });

  it('lists a repeated alert once: retries, reminders, both Alertmanagers at once, twice in one notification', async () => {
    const alert = { alertname: 'PostgreSQLPrimaryDown', member: 'pg-a', fingerprint: '0f1e2d3c4b5a6978', startsAt: '2025-03-02T08:00:00Z' };
    const body = notification('slack', [alert]);
    assert.deepEqual((await deliver(body, 'slack')).body, { alerts: 1, stored: 1, repeats: 0 });
    assert.deepEqual((await deliver(body, 'slack')).body, { alerts: 1, stored: 0, repeats: 1 });
    const together = await Promise.all(Array.from({ length: 5 }, () => deliver(body, 'slack')));
    assert.deepEqual(together.map((r) => r.status), [200, 200, 200, 200, 200]);
    const twice = notification('slack', [alert, { ...alert, annotations: { summary: 'the same alert again' } }]);
    assert.deepEqual((await deliver(twice, 'slack')).body, { alerts: 2, stored: 0, repeats: 2 });
    assert.equal(await count('alertname=PostgreSQLPrimaryDown&receiver=slack'), 1);

    // The same alert at another receiver, or a new occurrence (a later start), is another entry.
    assert.equal((await deliver(notification('pagerduty', [alert]))).body.stored, 1);
    assert.equal((await deliver(notification('slack', [{ ...alert, startsAt: '2025-03-02T09:00:00Z' }]), 'slack')).body.stored, 1);
    assert.equal(await count('alertname=PostgreSQLPrimaryDown&receiver=slack'), 2);
    assert.equal(await count('alertname=PostgreSQLPrimaryDown'), 3);
  });

  it('pages the list with limit and cursor, newest first, without gaps or repeats', async () => {
    const fingerprints = Array.from({ length: 5 }, (_, i) => `c0ffee00000000${i}${i}`);
    for (const fingerprint of fingerprints) {
      await deliver(notification('email', [{ alertname: 'DiskSpaceLow', fingerprint, startsAt: '2025-03-03T00:00:00Z' }]), 'email');
    }
    const seen: string[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const page: { items: StoredAlert[]; nextCursor: number | null } = await list(`?receiver=email&alertname=DiskSpaceLow&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.fingerprint));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.deepEqual(seen, fingerprints.toReversed());
    assert.equal(pages, 3);
  });

  it('counts accepted notifications per receiver and status', async () => {
    const counted = async () => {
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      const value = (receiver: string, status: string) =>
        Number(new RegExp(`^alert_notifications_received_total\\{receiver="${receiver}",status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
      return [value('pagerduty', 'firing'), value('pagerduty', 'resolved'), value('slack', 'firing')];
    };
    const before = await counted();
    const alert = { alertname: 'CountedAlert', fingerprint: 'c0c0c0c0c0c0c0c0', startsAt: '2025-03-05T00:00:00Z' };
    assert.equal((await deliver(notification('pagerduty', [alert]))).status, 200);
    assert.equal((await deliver(notification('pagerduty', [{ ...alert, status: 'resolved', endsAt: '2025-03-05T01:00:00Z' }]))).status, 200);
    assert.equal((await deliver(notification('slack', [alert]), 'slack')).status, 200);
    assert.equal((await deliver(notification('slack', [alert]), 'slack')).status, 200, 'a repeat is counted too');
    const after = await counted();
    assert.deepEqual(after.map((n, i) => n - before[i]!), [1, 1, 2]);
  });

  it('refuses a missing or wrong token with 401, a user\'s access token included, and stores nothing', async () => {
    const body = notification('pagerduty', [{ alertname: 'EtcdQuorumLost', fingerprint: '1111111111111111', startsAt: '2025-03-04T00:00:00Z' }]);
    for (const authorization of [null, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, `Bearer ${tokens.admin}`]) {
      const res = await deliver(body, 'pagerduty', authorization);
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.match(res.body.message, /alerts\.webhookToken \(JIVS_ALERTS_WEBHOOK_TOKEN\)/);
    }
    assert.equal(await count('alertname=EtcdQuorumLost'), 0);
  });

  it('refuses a malformed notification with 400 saying what is wrong, and stores nothing of it', async () => {
    const good = notification('pagerduty', [{ alertname: 'EtcdNoLeader', fingerprint: '2222222222222222', startsAt: '2025-03-05T00:00:00Z' }]);
    const alert = good.alerts[0]!;
    const cases: Array<[string, unknown, RegExp]> = [
      ['another payload version', { ...good, version: '3' }, /version: must be "4"/],
      ['no alerts', { ...good, alerts: [] }, /alerts: /],
      ['alerts missing', { ...good, alerts: undefined }, /alerts: /],
      ['an unknown status', { ...good, alerts: [{ ...alert, status: 'pending' }] }, /alerts\.0\.status: /],
      ['a fingerprint that is not Alertmanager\'s', { ...good, alerts: [{ ...alert, fingerprint: 'not-a-fingerprint' }] }, /alerts\.0\.fingerprint: must be 16 hexadecimal digits/],
      ['a start that is not a time', { ...good, alerts: [{ ...alert, startsAt: 'yesterday' }] }, /alerts\.0\.startsAt: /],
      ['a label value that is not text', { ...good, alerts: [{ ...alert, labels: { ...alert.labels, tier: 1 } }] }, /alerts\.0\.labels\.tier: /],
      ['no receiver', { ...good, receiver: undefined }, /receiver: /],
      ['a body that is not an object', '[1,2]', /invalid body/],
    ];
    for (const [what, body, reason] of cases) {
      const res = await deliver(body);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, reason, what);
    }
    const mismatch = await deliver(good, 'slack');
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body.message, /the URL names receiver slack but the notification is for receiver pagerduty/);
    const notJson = await deliver('{"version": "4",');
    assert.equal(notJson.status, 400);
    assert.equal(await count('alertname=EtcdNoLeader'), 0);
  });

  it('accepts fields a newer Alertmanager adds, and text PostgreSQL could not store as is', async () => {
    const body = notification('email', [
      { alertname: 'QualityScoreLow', fingerprint: '3333333333333333', startsAt: '2025-03-06T00:00:00+02:00', annotations: { summary: 'nul \u0000 here', description: 'line one\nline two' } },
    ]);
    const alerts = body.alerts.map((a) => ({ ...a, labels: { ...a.labels, 'half\uD800': 'x' }, silencedBy: ['nul \u0000 in a field the inbox does not know'] }));
    const res = await deliver({ ...body, futureField: { any: 'thing' }, alerts }, 'email');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [stored] = (await list('?alertname=QualityScoreLow')).items;
    assert.deepEqual(stored!.annotations, { summary: 'nul \uFFFD here', description: 'line one\nline two' });
    assert.equal(stored!.labels['half\uFFFD'], 'x');
    assert.equal(stored!.startsAt, '2025-03-05T22:00:00.000000Z');
  });

  it('lets admins, operators and auditors list alerts; analysts get 403, anonymous 401', async () => {
    for (const role of ['operator', 'auditor']) {
      assert.equal((await t.request('GET', '/api/v1/alerts', { token: tokens[role] })).status, 200, role);
    }
    const analyst = await t.request('GET', '/api/v1/alerts', { token: tokens.analyst });
    assert.equal(analyst.status, 403);
    assert.equal(analyst.body.message, 'your role analyst may not do this; it needs one of: admin, operator, auditor');
    assert.equal((await t.request('GET', '/api/v1/alerts')).status, 401);
    // The webhook token is not a user's token.
    assert.equal((await t.request('GET', '/api/v1/alerts', { token: TOKEN })).status, 401);
  });

  it('validates the list\'s filters', async () => {
    for (const query of ['?status=pending', '?limit=0', '?limit=501', '?cursor=0', '?cursor=abc', '?unknown=1']) {
      const res = await t.request('GET', `/api/v1/alerts${query}`, { token: tokens.admin });
      assert.equal(res.status, 400, query);
    }
  });
});

describe('alert inbox without alerts.webhookToken', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('refuses every notification with 403 naming the setting', async () => {
    const body = notification('pagerduty', [{ fingerprint: '4444444444444444', startsAt: '2025-03-07T00:00:00Z' }]);
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of attempts) {
      const res = await t.request('POST', INBOX, { body, headers });
      assert.equal(res.status, 403);
      assert.match(res.body.message, /^the alert inbox is off: set alerts\.webhookToken \(JIVS_ALERTS_WEBHOOK_TOKEN/);
    }
  });
});
