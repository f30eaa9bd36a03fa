import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { appendEntry } from '../src/modules/audit/audit-log.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { waitFor } from './support/wait.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Runs `jivs audit verify --json` against a DSN; returns its exit code and result line. */
async function cliVerify(dsn: string): Promise<{ code: number; result: any }> {
  const script =
    "const { auditCommand } = await import('./src/cli/commands/audit.ts');" +
    "await auditCommand().parseAsync(['verify', '--json'], { from: 'user' });";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', JIVS_DATABASE_WRITE: dsn },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const result = lines.find((l) => l.event === 'result' || l.event === 'error');
  assert.ok(result, `no result from the CLI: ${stdout} ${stderr}`);
  return { code, result };
}

describe('tamper evidence of the audit trail', () => {
  let t: TestApp;
  let token: string;
  let normal: pg.Client;
  let dba: pg.Client;
  let count: number;

  const verify = async () => {
    const res = await t.request('GET', '/api/v1/audit/verify', { token });
    assert.equal(res.status, 200);
    return res.body as { valid: boolean; entries: number; firstBrokenSeq?: number; problem?: string; lastSeq?: number };
  };
  const entryCount = async () => Number((await normal.query('SELECT count(*) FROM audit_log')).rows[0].count);

  before(async () => {
    t = await startTestApp();
    normal = new pg.Client({ connectionString: t.dsn });
    await normal.connect();
    token = await t.login();
    for (let i = 0; i < 6; i++) {
      await t.request('POST', '/api/v1/sources', { token, body: { name: `s${i}`, kind: 'postgres', dsn: 'postgres://u@127.0.0.1/db' } });
    }
    await waitFor('seven entries', async () => ((await entryCount()) >= 7 ? true : undefined));
    // A DBA who bypasses the trigger (the test server's DSN is a superuser's).
    dba = new pg.Client({ connectionString: t.dsn });
    await dba.connect();
    await dba.query('SET session_replication_role = replica');
    count = await entryCount();
  });
  after(async () => {
    await normal?.end();
    await dba?.end();
    await t?.close();
  });

  it('verifies an intact chain, over the API and from the command line', async () => {
    const result = await verify();
    assert.equal(result.valid, true, result.problem);
    assert.equal(result.entries, count);
    assert.equal(result.lastSeq, count);
    const cli = await cliVerify(t.dsn);
    assert.equal(cli.code, 0);
    assert.deepEqual([cli.result.valid, cli.result.entries], [true, count]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE through an ordinary session', async () => {
    for (const sql of [
      `UPDATE audit_log SET outcome = 'failure' WHERE seq = 2`,
      'DELETE FROM audit_log WHERE seq = 2',
      'TRUNCATE audit_log',
    ]) {
      await assert.rejects(normal.query(sql), /audit_log is append-only/, sql);
    }
    assert.equal(await entryCount(), count);
    assert.equal((await verify()).valid, true);
  });

  it('detects an entry edited behind the trigger, and names it', async () => {
    const original = (await dba.query('SELECT actor_username FROM audit_log WHERE seq = 4')).rows[0].actor_username;
    await dba.query(`UPDATE audit_log SET actor_username = 'someone-else' WHERE seq = 4`);
    const broken = await verify();
    assert.equal(broken.valid, false);
    assert.equal(broken.firstBrokenSeq, 4);
    assert.match(broken.problem ?? '', /entry 4 was altered/);
    assert.equal(broken.entries, 3);
    const cli = await cliVerify(t.dsn);
    assert.equal(cli.code, 1);
    assert.equal(cli.result.firstBrokenSeq, 4);

    await dba.query('UPDATE audit_log SET actor_username = $1 WHERE seq = 4', [original]);
    assert.equal((await verify()).valid, true, 'restoring the value restores the chain');

    // A change below a millisecond is a change too.
    await dba.query(`UPDATE audit_log SET at = at + interval '1 microsecond' WHERE seq = 5`);
    assert.equal((await verify()).firstBrokenSeq, 5);
    await dba.query(`UPDATE audit_log SET at = at - interval '1 microsecond' WHERE seq = 5`);
  });

  it('detects a deleted entry, and a deletion hidden by renumbering', async () => {
    const saved = (await dba.query('SELECT * FROM audit_log WHERE seq = 3')).rows[0];
    await dba.query('DELETE FROM audit_log WHERE seq = 3');
    const broken = await verify();
    assert.equal(broken.valid, false);
    assert.equal(broken.firstBrokenSeq, 3);
    assert.match(broken.problem ?? '', /entry 3 is missing/);

    // Through a far range: the primary key is checked row by row.
    await dba.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq > 3');
    await dba.query('UPDATE audit_log SET seq = seq - 1000001 WHERE seq > 1000000');
    const renumbered = await verify();
    assert.equal(renumbered.firstBrokenSeq, 3);
    await dba.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 3');
    await dba.query('UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000');

    await dba.query(
      `INSERT INTO audit_log SELECT * FROM jsonb_populate_record(NULL::audit_log, $1::jsonb)`,
      [JSON.stringify(saved)],
    );
    assert.equal((await verify()).valid, true, 'putting it back restores the chain');
  });

  it('detects entries swapped in order', async () => {
    const swap = async () => {
      await dba.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq IN (5, 6)');
      await dba.query('UPDATE audit_log SET seq = CASE seq WHEN 1000005 THEN 6 ELSE 5 END WHERE seq > 1000000');
    };
    await swap();
    const broken = await verify();
    assert.equal(broken.firstBrokenSeq, 5);
    await swap();
    assert.equal((await verify()).valid, true);
  });

  it('appends inside a caller transaction, and a rollback leaves no gap', async () => {
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    const entry = {
      actorUserId: null,
      actorUsername: 'job',
      actorRole: null,
      action: 'test.rolled_back',
      target: null,
      outcome: 'success' as const,
      sourceIp: null,
      details: { text: 'nul\u0000 and lone \uD800 surrogate', when: new Date(), big: 2 ** 60, tiny: 1e-7 },
    };
    try {
      await client.query('BEGIN');
      await appendEntry(client, entry);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await appendEntry(client, { ...entry, action: 'test.committed' });
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const rows = (await normal.query(`SELECT seq, action FROM audit_log WHERE action LIKE 'test.%'`)).rows;
    assert.deepEqual(rows, [{ seq: String(count + 1), action: 'test.committed' }]);
    const result = await verify();
    assert.equal(result.valid, true, result.problem);
    assert.equal(result.entries, count + 1);
  });
});
