import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { fingerprintSql } from '../src/modules/extraction/readers/postgres-reader.ts';
import { TEST_ADMIN_PASSWORD } from './support/app.ts';
import { createDatabase } from './support/databases.ts';
import { caller, startServiceProcess, type ServiceProcess } from './support/service-process.ts';
import { createSlowSource } from './support/source-fixtures.ts';
import { waitFor } from './support/wait.ts';

const ROWS = 100_000;

const ITEM_COLUMNS = [
  { name: 'id', type: 'bigint', sourceType: 'bigint', hashable: true },
  { name: 'label', type: 'text', sourceType: 'text', hashable: true },
  { name: 'amount', type: 'numeric(20,4)', sourceType: 'numeric(20,4)', hashable: true },
  { name: 'at', type: 'timestamp with time zone', sourceType: 'timestamp with time zone', hashable: true },
];

async function fingerprint(dsn: string, from: string) {
  const client = new pg.Client({ connectionString: dsn, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    return (await client.query<{ rows: string; checksum: string }>(fingerprintSql(from, ITEM_COLUMNS, (n) => client.escapeIdentifier(n))))
      .rows[0]!;
  } finally {
    await client.end();
  }
}

describe('an extraction whose worker process is killed with SIGKILL', () => {
  let platform: Awaited<ReturnType<typeof createDatabase>>;
  let source: Awaited<ReturnType<typeof createSlowSource>>;
  let dataDir: string;
  let env: Record<string, string>;
  const processes: ServiceProcess[] = [];

  before(async () => {
    platform = await createDatabase('resume');
    source = await createSlowSource(ROWS);
    dataDir = await mkdtemp(path.join(tmpdir(), 'jivs-resume-'));
    env = {
      JIVS_DATA_DIR: dataDir,
      JIVS_DATABASE_WRITE: platform.dsn,
      JIVS_AUTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      JIVS_AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      JIVS_SECRETS_KEY: randomBytes(32).toString('base64'),
      JIVS_JOBS_CHECKPOINT_ROWS: '2000',
    };
  });
  after(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await platform?.drop();
    await source?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes in a new process with every row archived exactly once', async () => {
    const first = await startServiceProcess(env);
    processes.push(first);
    const login = await caller(first.url)('POST', '/api/v1/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token = login.body.accessToken as string;
    const src = await caller(first.url, token)('POST', '/api/v1/sources', { name: 'slow', kind: 'postgres', dsn: source.dsn });
    assert.equal(src.status, 201, JSON.stringify(src.body));
    const created = await caller(first.url, token)('POST', '/api/v1/extractions', {
      name: 'killed mid-way',
      sourceId: src.body.id,
      query: source.query,
      keyColumns: ['id'],
      start: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;

    // Kill the worker once some checkpoints have committed but well before the end.
    const before = await waitFor('the first checkpoints', async () => {
      const res = await caller(first.url, token)('GET', `/api/v1/extractions/${id}`);
      const records = res.body.progress.records as number;
      return records >= 10_000 ? records : undefined;
    }, 120_000, 20);
    assert.ok(before < ROWS, `killed mid-extraction (at ${before} of ${ROWS})`);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await startServiceProcess(env);
    processes.push(second);
    const done = await waitFor('the resumed extraction to finish', async () => {
      const res = await caller(second.url, token)('GET', `/api/v1/extractions/${id}`);
      return ['completed', 'failed'].includes(res.body.status as string) ? res.body : undefined;
    }, 180_000, 250);
    assert.equal(done.status, 'completed', String(done.error));
    assert.ok((done.attempts as number) >= 2, 'a second attempt ran');
    assert.equal(done.verification.match, true);

    const archive = new pg.Client({ connectionString: platform.dsn });
    await archive.connect();
    const table = done.archiveTable as string;
    const counts = await archive.query<{ n: string; distinct_ids: string; lo: string; hi: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids, min(id) AS lo, max(id) AS hi FROM ${table}`,
    );
    await archive.end();
    assert.deepEqual(counts.rows[0], { n: String(ROWS), distinct_ids: String(ROWS), lo: '1', hi: String(ROWS) });
    assert.deepEqual(await fingerprint(platform.dsn, table), await fingerprint(source.dsn, 'items'));

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
