import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { adminDsn, createDatabase, databaseDsn } from './support/databases.ts';
import { startTestApp } from './support/app.ts';
import { startServiceProcess } from './support/service-process.ts';

/** PID of the embedded PostgreSQL recorded in the data directory, if that process is alive. */
async function postgresPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  if (!pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

describe('jivs start in embedded mode', () => {
  let dataDir: string;
  after(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts its own PostgreSQL, serves, exits 0 on SIGTERM, stops PostgreSQL, and reuses the data on restart', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'jivs-embedded-'));
    await chmod(dataDir, 0o755); // PostgreSQL's own user must be able to enter it
    const env = { JIVS_DATA_DIR: dataDir, JIVS_EMBEDDED_PORT: String(50_000 + Math.floor(Math.random() * 4000)) };

    const first = await startServiceProcess(env);
    const created = JSON.parse(first.output().split('\n').find((l) => l.includes('"event":"result"'))!) as {
      admin?: { username: string; generatedPassword?: string };
    };
    const password = created.admin?.generatedPassword;
    assert.ok(password, 'the first start creates an admin and prints its generated password once');
    const health = (await (await fetch(`${first.url}/health`)).json()) as { status: string; components: Record<string, { status: string }> };
    assert.equal(health.status, 'UP');
    assert.equal(health.components.db?.status, 'UP');
    const pgPid = await postgresPid(dataDir);
    assert.ok(pgPid, 'embedded PostgreSQL is running');

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    assert.equal(await postgresPid(dataDir), undefined, 'PostgreSQL stopped with the service');

    const second = await startServiceProcess(env);
    const result = JSON.parse(second.output().split('\n').find((l) => l.includes('"event":"result"'))!) as { admin?: unknown };
    assert.equal(result.admin, undefined, 'no second admin on restart');
    const login = await fetch(`${second.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200, 'the data (the admin account) survived the restart');
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, second.output());
    assert.equal(await postgresPid(dataDir), undefined);
  });
});

describe('jivs start refuses settings that cannot work, naming the setting', () => {
  const refused = async (env: Record<string, string>, message: RegExp) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jivs-refused-'));
    try {
      await assert.rejects(startServiceProcess({ JIVS_DATA_DIR: dataDir, ...env }), message);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  it('a write DSN where nothing answers', async () => {
    await refused(
      { JIVS_DATABASE_WRITE: 'postgres://jivs:secret@127.0.0.1:9/jivs', JIVS_DATABASE_FAILOVER_BUDGET_MS: '300' },
      /JIVS_DATABASE_WRITE \(database\.write\): cannot use jivs@127\.0\.0\.1:9\/jivs: nothing answered there/,
    );
  });

  it('a write DSN with a wrong password, and one naming a database that does not exist', async () => {
    const dsn = new URL(adminDsn());
    dsn.password = 'not-the-password';
    await refused({ JIVS_DATABASE_WRITE: dsn.toString() }, /JIVS_DATABASE_WRITE \(database\.write\): cannot use .*: the user or password is refused/);
    await refused({ JIVS_DATABASE_WRITE: databaseDsn('no_such_database') }, /JIVS_DATABASE_WRITE \(database\.write\): cannot use .*\/no_such_database: the database does not exist/);
  });

  it('Sentinel addresses where no Sentinel answers', async () => {
    const db = await createDatabase('sentinel');
    try {
      await refused(
        { JIVS_DATABASE_WRITE: db.dsn, JIVS_REDIS_SENTINELS: '127.0.0.1:9,127.0.0.1:11' },
        /JIVS_REDIS_SENTINELS \(redis\.sentinels\): none of 127\.0\.0\.1:9, 127\.0\.0\.1:11 answered as a Sentinel/,
      );
    } finally {
      await db.drop();
    }
  });
});

describe('a stopping instance drains before it closes its port', () => {
  it('answers readiness 503 and keeps serving, closing each connection, for http.drainSeconds', async () => {
    const t = await startTestApp({ 'http.drainSeconds': 2 });
    try {
      const stopped = t.app.stop();
      const startedAt = performance.now();
      const readiness = await t.request('GET', '/health/readiness');
      assert.equal(readiness.status, 503);
      assert.equal(readiness.body.reason, 'shutting down');
      // Load balancers still sending requests during the drain get answers, not refusals.
      const served = await t.request('GET', '/health/liveness');
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('connection'), 'close', 'kept-alive connections are not reused');
      await stopped;
      assert.ok(performance.now() - startedAt >= 1500, 'the port stayed open for the drain');
      await assert.rejects(fetch(`${t.url}/health/liveness`), 'closed after the drain');
    } finally {
      await t.close();
    }
  });
});
