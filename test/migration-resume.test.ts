import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_PASSWORD } from './support/app.ts';
import { createDatabase } from './support/databases.ts';
import { sql, tableRows, waitForMigration } from './support/migrations.ts';
import { caller, startServiceProcess, type ServiceProcess } from './support/service-process.ts';
import { createSlowSource } from './support/source-fixtures.ts';
import { waitFor } from './support/wait.ts';

const ROWS = 60_000;

describe('a migration whose worker process is killed with SIGKILL', () => {
  let platform: Awaited<ReturnType<typeof createDatabase>>;
  let target: Awaited<ReturnType<typeof createDatabase>>;
  let source: Awaited<ReturnType<typeof createSlowSource>>;
  let dataDir: string;
  let env: Record<string, string>;
  const processes: ServiceProcess[] = [];

  before(async () => {
    platform = await createDatabase('mresume');
    target = await createDatabase('mtarget');
    // 300 pauses of 20 ms: the run lasts several seconds, so the kill lands mid-way.
    source = await createSlowSource(ROWS, 200, 0.02);
    await sql(
      target.dsn,
      `CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(20,4), at timestamptz NOT NULL);
       INSERT INTO items SELECT 1000000 + i, 'pre-existing ' || i, i, timestamptz '2020-01-01' + i * interval '1 day'
         FROM generate_series(1, 25) AS i;`,
    );
    dataDir = await mkdtemp(path.join(tmpdir(), 'jivs-mresume-'));
    env = {
      JIVS_DATA_DIR: dataDir,
      JIVS_DATABASE_WRITE: platform.dsn,
      JIVS_AUTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      JIVS_AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      JIVS_SECRETS_KEY: randomBytes(32).toString('base64'),
      JIVS_JOBS_CHECKPOINT_ROWS: '2000',
      JIVS_RATE_LIMITS_DEFAULT_POINTS: '100000',
    };
  });
  after(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await platform?.drop();
    await target?.drop();
    await source?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes in a new process with every row loaded exactly once, verifies, and rolls back to the prior state', async () => {
    const prior = await tableRows(target.dsn, 'items');
    const first = await startServiceProcess(env);
    processes.push(first);
    const login = await caller(first.url)('POST', '/api/v1/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token = login.body.accessToken as string;
    let call = caller(first.url, token);
    const src = await call('POST', '/api/v1/sources', { name: 'slow', kind: 'postgres', dsn: source.dsn });
    const tgt = await call('POST', '/api/v1/sources', { name: 'target', kind: 'postgres', dsn: target.dsn });
    assert.equal(tgt.status, 201, JSON.stringify(tgt.body));
    const created = await call('POST', '/api/v1/migrations', {
      name: 'killed mid-way',
      source: { sourceId: src.body.id, query: source.query, keyColumns: ['id'] },
      target: { sourceId: tgt.body.id, table: 'public.items' },
      mapping: [{ target: 'id' }, { target: 'label', transforms: [{ type: 'trim' }] }, { target: 'amount' }, { target: 'at' }],
      // Every 10th row is rejected.
      rules: [{ type: 'expression', expression: { not: { left: 'label', op: '=', right: { value: 'never' } } } }, { type: 'regex', column: 'label', pattern: '[1-9]$' }],
      start: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;

    const killedAt = await waitFor(
      'the first chunks to commit',
      async () => {
        const res = await call('GET', `/api/v1/migrations/${id}`);
        return res.body.records.read >= 8_000 ? res.body.records.read : undefined;
      },
      120_000,
      20,
    );
    assert.ok(killedAt < ROWS, `killed mid-run (at ${killedAt} of ${ROWS})`);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await startServiceProcess(env);
    processes.push(second);
    call = caller(second.url, token);
    const done = await waitForMigration(call, id);
    assert.equal(done.status, 'completed', done.error);
    assert.ok(done.attempts >= 2, 'a second attempt ran');
    assert.equal(done.verification.match, true);
    const rejected = ROWS / 10;
    assert.deepEqual(done.records, { read: ROWS, migrated: ROWS - rejected, rejected });

    // Exactly the prior rows plus every accepted source row, once: compare full contents.
    const expected = [
      ...Array.from({ length: ROWS }, (_, k) => k + 1)
        .filter((i) => i % 10 !== 0)
        .map((i) => [String(i), `item ${i}`, (i * 1.5).toFixed(4), new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace('T', ' ').replace('.000Z', '+00')]),
      ...prior,
    ];
    assert.deepEqual(await tableRows(target.dsn, 'items'), expected);

    // Each rejected row is in the reject store once.
    const rejects = await call('GET', `/api/v1/migrations/${id}/rejects?limit=500&offset=0`);
    assert.equal(rejects.body.total, rejected);
    const ids = await sql(platform.dsn, 'SELECT count(DISTINCT row_no)::int AS n, min(row_no)::int AS lo FROM migration_rejects WHERE migration_id = $1', [id]);
    assert.deepEqual(ids.rows[0], { n: rejected, lo: 10 });

    const rollback = await call('POST', `/api/v1/migrations/${id}/rollback`);
    assert.equal(rollback.status, 202, JSON.stringify(rollback.body));
    const rolled = await waitForMigration(call, id);
    assert.equal(rolled.status, 'rolled_back', rolled.error);
    assert.equal(rolled.rollback.rowsDeleted, ROWS - rejected);
    assert.deepEqual(await tableRows(target.dsn, 'items'), prior);

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
