import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset, type ArchivedDataset } from './support/archive-fixtures.ts';
import { createRule, sendQualityJob, waitForCheck } from './support/quality.ts';
import { waitFor } from './support/wait.ts';

describe('quality schedules', () => {
  let t: TestApp;
  let token: string;
  let data: ArchivedDataset;
  let db: pg.Client;

  const bossSchedules = async () =>
    (await db.query<{ key: string; cron: string; timezone: string; data: unknown }>(
      `SELECT key, cron, timezone, data FROM pgboss.schedule WHERE name = 'quality' ORDER BY key`,
    )).rows;

  /** What pg-boss does when a schedule fires: a job with the schedule's data on the quality queue. */
  const fire = (datasetId: string) => sendQualityJob(t, { datasetId });

  before(async () => {
    t = await startTestApp();
    token = await t.login();
    data = await createArchivedDataset(t, { columns: [{ name: 'id', type: 'integer' }], rows: [[1], [2], [null]] });
    await createRule(t, token, data.datasetId, { kind: 'not_null', column: 'id' });
    db = new pg.Client({ connectionString: t.dsn });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  it('schedules, replaces and removes a dataset’s checks in pg-boss', async () => {
    const set = await t.request('PUT', `/api/v1/quality/schedules/${data.datasetId}`, { token, body: { cron: '0 3 * * *' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual({ ...set.body, updatedAt: undefined }, { datasetId: data.datasetId, cron: '0 3 * * *', timezone: 'UTC', updatedAt: undefined });
    assert.deepEqual(await bossSchedules(), [{ key: data.datasetId, cron: '0 3 * * *', timezone: 'UTC', data: { datasetId: data.datasetId } }]);

    const replaced = await t.request('PUT', `/api/v1/quality/schedules/${data.datasetId}`, { token, body: { cron: '*/15 * * * *' } });
    assert.equal(replaced.status, 200);
    assert.deepEqual((await bossSchedules()).map((s) => s.cron), ['*/15 * * * *']);
    const list = await t.request('GET', '/api/v1/quality/schedules', { token });
    assert.deepEqual(list.body.items.map((s: any) => [s.datasetId, s.cron]), [[data.datasetId, '*/15 * * * *']]);

    assert.equal((await t.request('DELETE', `/api/v1/quality/schedules/${data.datasetId}`, { token })).status, 204);
    assert.deepEqual(await bossSchedules(), []);
    assert.equal((await t.request('DELETE', `/api/v1/quality/schedules/${data.datasetId}`, { token })).status, 404);
    assert.deepEqual((await t.request('GET', '/api/v1/quality/schedules', { token })).body.items, []);
  });

  it('refuses cron expressions pg-boss cannot evaluate, and unknown datasets, creating nothing', async () => {
    const cases: Array<[string, unknown, number, RegExp]> = [
      [data.datasetId, { cron: '61 * * * *' }, 400, /cron expression "61 \* \* \* \*" is not valid: .*59/],
      [data.datasetId, { cron: 'every day' }, 400, /is not valid/],
      [data.datasetId, { cron: '* * * * * * *' }, 400, /too many fields/],
      [data.datasetId, { cron: '0 0 31 2 *' }, 400, /is not valid/],
      [data.datasetId, { cron: 'FREQ=DAILY;BYHOUR=3' }, 400, /must be a cron expression/],
      [data.datasetId, { cron: '' }, 400, /cron/],
      [data.datasetId, { cron: '0 3 * * *', tz: 'Europe/Zurich' }, 400, /tz|unrecognized/i],
      ['00000000-0000-4000-8000-000000000000', { cron: '0 3 * * *' }, 404, /dataset 00000000-0000-4000-8000-000000000000 does not exist/],
      ['not-a-uuid', { cron: '0 3 * * *' }, 404, /does not exist/],
    ];
    for (const [id, body, status, message] of cases) {
      const res = await t.request('PUT', `/api/v1/quality/schedules/${id}`, { token, body });
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, message, JSON.stringify(body));
    }
    assert.deepEqual(await bossSchedules(), []);
    assert.deepEqual((await t.request('GET', '/api/v1/quality/schedules', { token })).body.items, []);
  });

  it('queues a check when the schedule fires, and drops the schedule of a dataset that is gone', async () => {
    await fire(data.datasetId);
    const check = await waitFor('the scheduled check', async () => {
      const res = await t.request('GET', `/api/v1/quality/checks?datasetId=${data.datasetId}`, { token });
      return res.body.items[0];
    });
    assert.equal(check.trigger, 'schedule');
    const done = await waitForCheck(t, token, check.id);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.scores.overall, Math.round(100 * (1 - 1 / 3) * 100) / 100);

    const gone = await createArchivedDataset(t, { columns: [{ name: 'id', type: 'integer' }], rows: [[1]] });
    assert.equal((await t.request('PUT', `/api/v1/quality/schedules/${gone.datasetId}`, { token, body: { cron: '0 3 * * *' } })).status, 200);
    await db.query('DELETE FROM extraction_jobs WHERE id = $1', [gone.extractionId]);
    await fire(gone.datasetId);
    await waitFor('the orphaned schedule to be removed', async () => ((await bossSchedules()).length === 0 ? true : undefined), 30_000);
  });
});
