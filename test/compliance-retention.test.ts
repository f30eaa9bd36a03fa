import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset, type ArchivedDataset } from './support/archive-fixtures.ts';
import { waitFor } from './support/wait.ts';

const DAY = 86_400_000;
// Half a day off every whole day, so no row sits near a cut-off of whole days.
const ORDERS: Array<[number, string, string]> = Array.from({ length: 60 }, (_, i) => [
  i,
  `buyer${i}@example.org`,
  new Date(Date.now() - i * DAY - DAY / 2).toISOString(),
]);
const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
const VISITS: Array<[number, string]> = Array.from({ length: 40 }, (_, i) => [i, utcDay(i)]);
const CONTACTS: Array<[number, string, string | null, string]> = Array.from({ length: 20 }, (_, i) => [
  i,
  `contact${i}@example.net`,
  i % 3 === 0 ? null : `+44 20 7946 ${1000 + i}`,
  new Date(Date.now() - i * 3 * DAY - DAY / 2).toISOString(),
]);

describe('retention policies and legal holds', () => {
  let t: TestApp;
  let token: string;
  let db: pg.Client;
  let orders: ArchivedDataset;
  let visits: ArchivedDataset;
  let contacts: ArchivedDataset;

  const rowsOf = async (d: ArchivedDataset) =>
    (await db.query(`SELECT row_to_json(t)::text AS j FROM ${d.table} t ORDER BY 1`)).rows.map((r) => r.j as string);

  const createPolicy = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/compliance/retention-policies', { token, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  const waitForRun = (id: string) =>
    waitFor(`retention run ${id}`, async () => {
      const res = await t.request('GET', `/api/v1/compliance/retention-runs/${id}`, { token });
      return ['completed', 'skipped', 'failed'].includes(res.body.status) ? res.body : undefined;
    });

  const runNow = async (policyId: string) => {
    const res = await t.request('POST', `/api/v1/compliance/retention-policies/${policyId}/run`, { token });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    // A worker may already have taken it by the time the answer is read.
    assert.ok(['queued', 'running', 'completed', 'skipped'].includes(res.body.status), res.body.status);
    return waitForRun(res.body.id);
  };

  before(async () => {
    t = await startTestApp();
    token = await t.login();
    db = new pg.Client({ connectionString: t.dsn });
    await db.connect();
    // Columns as name:type pairs, rows as in the fixtures above.
    const archive = (name: string, columns: Array<[string, string]>, rows: ReadonlyArray<ReadonlyArray<unknown>>) =>
      createArchivedDataset(t, { name, columns: columns.map(([n, type]) => ({ name: n, type })), rows });
    orders = await archive('orders', [['id', 'integer'], ['email', 'text'], ['ordered_at', 'timestamp with time zone']], ORDERS);
    visits = await archive('visits', [['id', 'integer'], ['visited_on', 'date']], VISITS);
    contacts = await archive(
      'contacts',
      [['id', 'integer'], ['email', 'text'], ['phone', 'text'], ['signed_up', 'timestamp with time zone']],
      CONTACTS,
    );
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  it('refuses policies it could not run, with the reason', async () => {
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const base = { datasetId: orders.datasetId, dateColumn: 'ordered_at', keepForDays: 30 };
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ ...base, datasetId: unknownId }, 422, /does not exist/],
      [{ ...base, datasetId: 'orders' }, 400, /datasetId/],
      [{ ...base, dateColumn: 'email' }, 422, /"email" is text; retention needs a date or timestamp column/],
      [{ ...base, dateColumn: 'shipped_at' }, 422, /no column "shipped_at"/],
      [{ ...base, keepForDays: 0 }, 400, /keepForDays/],
      [{ ...base, action: 'shred' }, 400, /action/],
      [{ ...base, cron: 'every day' }, 400, /cron/],
      [{ ...base, cron: '61 * * * *' }, 400, /cron/],
      [{ ...base, extra: true }, 400, /extra|unrecognized/i],
    ];
    for (const [body, status, message] of cases) {
      const res = await t.request('POST', '/api/v1/compliance/retention-policies', { token, body });
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, message, JSON.stringify(body));
    }
    const list = await t.request('GET', '/api/v1/compliance/retention-policies', { token });
    assert.deepEqual(list.body.items, []);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = 'compliance'`);
    assert.equal(rows[0].n, 0, 'a refused policy leaves no schedule behind');
    for (const [method, url] of [
      ['GET', '/api/v1/compliance/retention-policies/nope'],
      ['DELETE', '/api/v1/compliance/retention-policies/nope'],
      ['POST', '/api/v1/compliance/retention-policies/nope/run'],
      ['POST', `/api/v1/compliance/retention-policies/${unknownId}/run`],
      ['GET', '/api/v1/compliance/retention-runs/nope'],
    ] as const) {
      const res = await t.request(method, url, { token });
      assert.equal(res.status, 404, `${method} ${url}`);
    }
  });

  it('trims a dataset to the rows newer than the cut-off, and leaves a held dataset untouched', async () => {
    const ordersPolicy = await createPolicy({ datasetId: orders.datasetId, dateColumn: 'ordered_at', keepForDays: 30 });
    const visitsPolicy = await createPolicy({ datasetId: visits.datasetId, dateColumn: 'visited_on', keepForDays: 10, action: 'delete' });
    const duplicate = await t.request('POST', '/api/v1/compliance/retention-policies', {
      token,
      body: { datasetId: orders.datasetId, dateColumn: 'ordered_at', keepForDays: 5 },
    });
    assert.equal(duplicate.status, 409);

    const hold = await t.request('POST', '/api/v1/compliance/legal-holds', { token, body: { datasetId: visits.datasetId, reason: 'tax audit 2024' } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const visitsBefore = await rowsOf(visits);

    const trimmed = await runNow(ordersPolicy.id);
    assert.equal(trimmed.status, 'completed', trimmed.error ?? '');
    const cutoff = Date.parse(trimmed.cutoff);
    assert.ok(Math.abs(cutoff - (Date.now() - 30 * DAY)) < 60_000, 'the cut-off is 30 days back');
    const kept = ORDERS.filter((o) => Date.parse(o[2]) >= cutoff).map((o) => o[0]);
    assert.equal(kept.length, 30);
    assert.equal(trimmed.rowsAffected, ORDERS.length - kept.length);
    const { rows } = await db.query(`SELECT id, email FROM ${orders.table} ORDER BY id`);
    assert.deepEqual(rows, ORDERS.filter((o) => kept.includes(o[0])).map((o) => ({ id: o[0], email: o[1] })));
    const { rows: counted } = await db.query('SELECT row_count::int AS n FROM archive_datasets WHERE id = $1', [orders.datasetId]);
    assert.equal(counted[0].n, kept.length);

    const skipped = await runNow(visitsPolicy.id);
    assert.equal(skipped.status, 'skipped');
    assert.equal(skipped.skipReason, 'legal hold');
    assert.equal(skipped.rowsAffected, 0);
    assert.deepEqual(skipped.legalHolds.map((h: any) => h.id), [hold.body.id]);
    assert.deepEqual(await rowsOf(visits), visitsBefore);

    // Released, the next run trims it: days before the cut-off's day go.
    const released = await t.request('DELETE', `/api/v1/compliance/legal-holds/${hold.body.id}`, { token });
    assert.equal(released.status, 200);
    const again = await t.request('DELETE', `/api/v1/compliance/legal-holds/${hold.body.id}`, { token });
    assert.equal(again.status, 409);
    const after = await runNow(visitsPolicy.id);
    assert.equal(after.status, 'completed', after.error ?? '');
    const visitCutoff = Date.parse(after.cutoff);
    const keptVisits = VISITS.filter((v) => Date.parse(`${v[1]}T00:00:00Z`) >= visitCutoff).map((v) => v[0]);
    const { rows: left } = await db.query(`SELECT id FROM ${visits.table} ORDER BY id`);
    assert.deepEqual(left.map((r) => r.id), keptVisits);
    assert.equal(after.rowsAffected, VISITS.length - keptVisits.length);

    const runs = await t.request('GET', `/api/v1/compliance/retention-policies/${visitsPolicy.id}/runs`, { token });
    assert.deepEqual(runs.body.items.map((r: any) => r.status), ['completed', 'skipped']);
    const holds = await t.request('GET', `/api/v1/compliance/legal-holds?active=false&datasetId=${visits.datasetId}`, { token });
    assert.deepEqual(holds.body.items.map((h: any) => [h.id, h.active]), [[hold.body.id, false]]);

    const { rows: audit } = await db.query(
      `SELECT action, details FROM audit_log WHERE action IN ('legal_hold.place', 'legal_hold.release', 'retention.run') ORDER BY seq`,
    );
    assert.deepEqual(audit.map((a) => [a.action, a.details.status ?? null]), [
      ['legal_hold.place', null],
      ['retention.run', 'completed'],
      ['retention.run', 'skipped'],
      ['legal_hold.release', null],
      ['retention.run', 'completed'],
    ]);
    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    assert.match(metrics, new RegExp(`^retention_rows_removed_total\\{action="delete"\\} ${ORDERS.length - kept.length + VISITS.length - keptVisits.length}$`, 'm'));
  });

  it('anonymises the personal data of old rows and keeps the rows', async () => {
    const policy = await createPolicy({ datasetId: contacts.datasetId, dateColumn: 'signed_up', keepForDays: 30, action: 'anonymise' });
    const run = await runNow(policy.id);
    assert.equal(run.status, 'completed', run.error ?? '');
    const cutoff = Date.parse(run.cutoff);
    const old = CONTACTS.filter((c) => Date.parse(c[3]) < cutoff);
    assert.ok(old.length > 0 && old.length < CONTACTS.length);
    assert.equal(run.rowsAffected, old.length);
    const { rows } = await db.query(`SELECT id, email, phone FROM ${contacts.table} ORDER BY id`);
    assert.deepEqual(
      rows,
      CONTACTS.map((c) => (old.includes(c) ? { id: c[0], email: '[erased]', phone: c[2] === null ? null : '[erased]' } : { id: c[0], email: c[1], phone: c[2] })),
    );
    // Rows already anonymised are not counted again.
    const second = await runNow(policy.id);
    assert.equal(second.rowsAffected, 0);
  });

  it('runs a policy from its schedule, and removes the schedule with the policy', async () => {
    const { rows: existing } = await db.query('SELECT id FROM retention_policies WHERE dataset_id = $1', [orders.datasetId]);
    await t.request('DELETE', `/api/v1/compliance/retention-policies/${existing[0].id}`, { token });
    const policy = await createPolicy({ datasetId: orders.datasetId, dateColumn: 'ordered_at', keepForDays: 7, cron: '0 3 * * *' });
    assert.equal(policy.cron, '0 3 * * *');
    const schedules = async () => (await db.query(`SELECT key, cron, data FROM pgboss.schedule WHERE name = 'compliance'`)).rows;
    assert.deepEqual(await schedules(), [{ key: policy.id, cron: '0 3 * * *', data: { kind: 'retention', policyId: policy.id } }]);

    const { rows: present } = await db.query<{ id: number; ordered_at: Date }>(`SELECT id, ordered_at FROM ${orders.table}`);

    // What the schedule sends when it fires.
    const client = await t.app.ctx.db.write.connect();
    try {
      await client.query('BEGIN');
      await t.app.ctx.queue.send('compliance', { kind: 'retention', policyId: policy.id }, client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const run = await waitFor('the scheduled run', async () => {
      const res = await t.request('GET', `/api/v1/compliance/retention-policies/${policy.id}/runs`, { token });
      return res.body.items.find((r: any) => r.status === 'completed');
    });
    assert.equal(run.trigger, 'schedule');
    const expected = present.filter((r) => r.ordered_at.getTime() >= Date.parse(run.cutoff)).map((r) => r.id).sort((a, b) => a - b);
    assert.ok(expected.length > 0 && expected.length < present.length);
    const { rows } = await db.query(`SELECT id FROM ${orders.table} ORDER BY id`);
    assert.deepEqual(rows.map((r) => r.id), expected);
    assert.equal(run.rowsAffected, present.length - expected.length);

    const deleted = await t.request('DELETE', `/api/v1/compliance/retention-policies/${policy.id}`, { token });
    assert.equal(deleted.status, 204);
    assert.deepEqual(await schedules(), []);
    assert.equal((await t.request('GET', `/api/v1/compliance/retention-policies/${policy.id}`, { token })).status, 404);
  });
});
