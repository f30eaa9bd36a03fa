import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';
import { createSlowSource, createTypedSource } from './support/source-fixtures.ts';
import { waitFor } from './support/wait.ts';

describe('extraction API: validation, bulkhead, cancel, progress', () => {
  let t: TestApp;
  let token: string;
  let typed: Awaited<ReturnType<typeof createTypedSource>>;
  let slow: Awaited<ReturnType<typeof createSlowSource>>;
  let typedId: string;
  let slowId: string;

  before(async () => {
    typed = await createTypedSource(50);
    // 100 pauses of 0.2 s: the job runs for about 20 s unless cancelled.
    slow = await createSlowSource(20_000, 200, 0.2);
    // A tiny pool: one job may run and one wait; the third is refused.
    t = await startTestApp({
      'jobs.pools.extraction': { core: 1, max: 1, queue: 1 },
      'jobs.checkpointRows': 500,
    });
    token = await t.login();
    typedId = await createSource(t, token, { name: 'typed', kind: 'postgres', dsn: typed.dsn });
    slowId = await createSource(t, token, { name: 'slow', kind: 'postgres', dsn: slow.dsn });
  });
  after(async () => {
    await t?.close();
    await typed?.close();
    await slow?.close();
  });

  const create = (body: unknown) => t.request('POST', '/api/v1/extractions', { token, body });

  it('refuses bad input with 4xx and a reason, and creates nothing', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ name: 'x', sourceId: typedId, table: 'nope' }, 422, /does not exist on the source/],
      [{ name: 'x', sourceId: typedId, table: 'a; DROP TABLE users' }, 400, /plain identifier/],
      [{ name: 'x', sourceId: typedId, query: 'SELEC broken' }, 422, /syntax error/],
      [{ name: 'x', sourceId: typedId, query: 'SELECT 1; DROP TABLE customer_records' }, 422, /source rejected/],
      [{ name: 'x', sourceId: typedId }, 422, /exactly one of `table` and `query`/],
      [{ name: 'x', sourceId: typedId, table: 'customer_records', keyColumns: ['nope'] }, 422, /key column "nope"/],
      [{ name: 'x', sourceId: '00000000-0000-4000-8000-000000000000', table: 't' }, 422, /does not exist/],
      [{ name: 'x', sourceId: 'not-a-uuid', table: 't' }, 400, /sourceId/],
      [{ name: 'x', sourceId: typedId, table: 'customer_records', extra: 1 }, 400, /extra|unrecognized/i],
      [{ name: 'bell\u0007', sourceId: typedId, table: 'customer_records' }, 400, /control characters/],
      [{ name: 42, sourceId: typedId, table: 'customer_records' }, 400, /name/],
      ['{"name": "x", ', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of cases) {
      const res = await create(body);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match((res.body as { message: string }).message, message, JSON.stringify(body));
    }
    const list = await t.request('GET', '/api/v1/extractions', { token });
    assert.deepEqual((list.body as { items: unknown[] }).items, []);
    for (const url of ['/api/v1/extractions/not-a-uuid', '/api/v1/extractions/00000000-0000-4000-8000-000000000000']) {
      const res = await t.request('GET', url, { token });
      assert.ok([400, 404].includes(res.status), `${url} → ${res.status}`);
    }
    const oversized = await create({ name: 'x'.repeat(2_000_000), sourceId: typedId, table: 'customer_records' });
    assert.equal(oversized.status, 413);
  });

  it('refuses a job when the pool is full (429 with the reason), then accepts once it drains', async () => {
    const running = await startExtraction(t, token, { name: 'slow 1', sourceId: slowId, query: slow.query, keyColumns: ['id'] });
    await waitFor('the first job to run', async () => {
      const res = await t.request('GET', `/api/v1/extractions/${running}`, { token });
      return (res.body as { status: string }).status === 'running' ? true : undefined;
    });
    const waiting = await startExtraction(t, token, { name: 'typed 1', sourceId: typedId, table: 'customer_records' });
    const refused = await create({ name: 'typed 2', sourceId: typedId, table: 'customer_records', start: true });
    assert.equal(refused.status, 429);
    assert.equal((refused.body as { error: string }).error, 'pool_full');
    assert.match((refused.body as { message: string }).message, /extraction pool is full/);
    assert.ok(refused.headers.get('retry-after'));

    // Progress is visible while it runs.
    const progress = await waitFor('progress', async () => {
      const res = await t.request('GET', `/api/v1/extractions/${running}`, { token });
      const body = res.body as { progress: { records: number; recordsPerSecond: number; percent: number | null } };
      return body.progress.records > 0 ? body.progress : undefined;
    });
    assert.ok(progress.recordsPerSecond > 0);

    const cancel = await t.request('POST', `/api/v1/extractions/${running}/cancel`, { token });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    const cancelled = await waitForExtraction(t, token, running);
    assert.equal(cancelled.status, 'cancelled');
    const done = await waitForExtraction(t, token, waiting);
    assert.equal(done.status, 'completed', done.error ?? '');

    const again = await create({ name: 'typed 3', sourceId: typedId, table: 'customer_records', start: true });
    assert.equal(again.status, 201);
    const twice = await t.request('POST', `/api/v1/extractions/${(again.body as { id: string }).id}/start`, { token });
    assert.equal(twice.status, 409, 'starting a queued or running job again');
  });
});
