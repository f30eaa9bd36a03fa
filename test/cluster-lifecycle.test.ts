import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemberStatus } from '../src/ops/cluster/cluster.ts';
import { isAlive } from '../src/ops/cluster/processes.ts';
import { runLoad } from '../src/ops/load.ts';
import { waitFor } from './support/wait.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

/** A member as `jivs cluster --json` reports it. */
type Member = MemberStatus;

/** Runs `jivs cluster <args> --json` and returns its result event (or throws with its output). */
async function jivs(env: Record<string, string>, ...args: string[]): Promise<{ code: number; result?: any; error?: string; lines: any[] }> {
  const result = await run(process.execPath, [path.join(ROOT, 'bin', 'jivs.js'), ...args, '--json'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 400_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '' }),
  );
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  return {
    code: result.code,
    result: lines.find((l) => l.event === 'result'),
    error: lines.find((l) => l.event === 'error')?.message,
    lines,
  };
}


describe('jivs cluster up | status | down on the real engines', () => {
  let dir: string;
  let env: Record<string, string>;
  let members: Member[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'jivs-cluster-'));
    await chmod(dir, 0o755); // the engines' own user must be able to enter it
    // A base port of our own so parallel runs never meet the engines' standard ports or each other.
    env = {
      JIVS_DATA_DIR: dir,
      JIVS_CLUSTER_BASE_PORT: String(20_000 + 200 * Math.floor(Math.random() * 100)),
      JIVS_LOG_LEVEL: 'warn',
      // The load below is far above the per-user default of 100 requests a minute.
      JIVS_RATE_LIMITS_DEFAULT_POINTS: '1000000',
    };
  });
  after(async () => {
    await jivs(env, 'cluster', 'down', '--wipe');
    await rm(dir, { recursive: true, force: true });
  });

  it('brings every member up healthy, spread over three zones', async () => {
    const up = await jivs(env, 'cluster', 'up');
    assert.equal(up.code, 0, up.error);
    members = up.result.members as Member[];
    assert.equal(members.length, 22);
    for (const m of members) assert.ok(m.running && m.healthy, `${m.name} is healthy`);
    const byKind = (kind: string) => members.filter((m) => m.kind === kind);
    for (const kind of ['etcd', 'haproxy', 'pgbouncer', 'redis', 'sentinel', 'app']) {
      assert.deepEqual(byKind(kind).map((m) => m.zone).sort(), ['a', 'b', 'c'], `${kind} spread over zones`);
    }
    const pg = byKind('patroni');
    assert.equal(pg.filter((m) => m.role === 'leader').length, 1, 'exactly one primary');
    assert.notEqual(pg.find((m) => m.name === 'pg-analytics')?.role, 'leader', 'the analytics replica is not the primary');
    assert.equal(byKind('redis').filter((m) => m.role === 'master').length, 1);
    assert.ok(up.lines.some((l) => l.event === 'step' && /waiting for patroni/.test(l.message)), 'progress is reported');
  });

  it('tags the analytics replica so it never fails over and never serves ordinary reads', async () => {
    const analytics = members.find((m) => m.name === 'pg-analytics')!;
    const status = (await (await fetch(`http://127.0.0.1:${analytics.port}/patroni`)).json()) as { tags?: Record<string, unknown> };
    assert.equal(status.tags?.nofailover, true);
    assert.equal(status.tags?.noloadbalance, true);
    assert.equal((await fetch(`http://127.0.0.1:${analytics.port}/replica`)).status, 503);
  });

  it('serves the API through every zone\'s front end, on the cluster\'s database', async () => {
    const secrets = JSON.parse(await readFile(path.join(dir, 'cluster', 'secrets.json'), 'utf8')) as { adminPassword: string };
    const base = Number(env.JIVS_CLUSTER_BASE_PORT);
    for (const front of [base + 103, base + 113, base + 123]) {
      const health = await fetch(`http://127.0.0.1:${front}/health`);
      assert.equal(health.status, 200, `front end ${front}`);
    }
    const login = await fetch(`http://127.0.0.1:${base + 103}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: secrets.adminPassword }),
    });
    assert.equal(login.status, 200);
  });

  /** Runs a steady load through every front end while `fault` happens; returns the report. */
  async function underLoad(fault: () => Promise<void>): Promise<Awaited<ReturnType<typeof runLoad>>> {
    const secrets = JSON.parse(await readFile(path.join(dir, 'cluster', 'secrets.json'), 'utf8')) as { adminPassword: string };
    const base = Number(env.JIVS_CLUSTER_BASE_PORT);
    const fronts = [base + 103, base + 113, base + 123].map((p) => `http://127.0.0.1:${p}`);
    const login = await fetch(`${fronts[0]}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: secrets.adminPassword }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const stop = new AbortController();
    const load = runLoad({ baseUrls: fronts, token: accessToken, rate: 15, signal: stop.signal });
    await sleep(3000);
    await fault();
    stop.abort();
    const report = await load;
    assert.ok(report.requests > 40, `a steady load ran (${report.requests} requests)`);
    assert.deepEqual(report.failures, [], 'no request failed');
    return report;
  }

  /** Brings the killed members back with `up` and checks it restarted exactly those. */
  async function restore(names: string[]): Promise<void> {
    const again = await jivs(env, 'cluster', 'up');
    assert.equal(again.code, 0, again.error);
    const restarted = again.lines.filter((l) => l.event === 'step' && /^started /.test(l.message)).map((l) => String(l.message).split(' ')[1]);
    assert.deepEqual(restarted.sort(), [...names].sort());
    members = again.result.members as Member[];
  }

  it('rides through the loss of the Patroni leader: zero failed requests, no acknowledged write lost', async () => {
    const leader = members.find((m) => m.kind === 'patroni' && m.role === 'leader')!;
    const postmaster = Number((await readFile(path.join(dir, 'cluster', leader.name, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const report = await underLoad(async () => {
      // Node loss: Patroni and its PostgreSQL die together.
      process.kill(leader.pid!, 'SIGKILL');
      process.kill(postmaster, 'SIGKILL');
      const newLeader = await waitFor('a new leader', async () => {
        const found = (await jivs(env, 'cluster', 'status')).result?.members?.find((m: Member) => m.kind === 'patroni' && m.role === 'leader' && m.running);
        return found && found.name !== leader.name ? (found as Member) : undefined;
      }, 120_000, 1000);
      assert.notEqual(newLeader.name, 'pg-analytics', 'the analytics replica never becomes primary');
      await sleep(4000);
    });
    // Ask the new primary itself, through a write port, which writes it holds.
    const secrets = JSON.parse(await readFile(path.join(dir, 'cluster', 'secrets.json'), 'utf8')) as { postgresSuperuser: string };
    const primary = new pg.Client({ host: '127.0.0.1', port: Number(env.JIVS_CLUSTER_BASE_PORT) + 100, user: 'postgres', password: secrets.postgresSuperuser, database: 'jivs' });
    await primary.connect();
    const names = new Set((await primary.query<{ name: string }>('SELECT name FROM data_sources')).rows.map((r) => r.name));
    await primary.end();
    const lost = report.acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `every one of the ${report.acknowledged.length} acknowledged writes is present`);
    // `up` brings the lost node back, as a replica of the new primary.
    await restore([leader.name]);
    assert.equal(members.find((m) => m.name === leader.name)?.role, 'replica');
  });

  it('rides through the loss of the Redis master: zero failed requests, Redis serves again after Sentinel fails over', async () => {
    const master = members.find((m) => m.kind === 'redis' && m.role === 'master')!;
    const front = `http://127.0.0.1:${Number(env.JIVS_CLUSTER_BASE_PORT) + 123}`;
    await underLoad(async () => {
      process.kill(master.pid!, 'SIGKILL');
      const promoted = await waitFor('a new Redis master', async () => {
        const found = (await jivs(env, 'cluster', 'status')).result?.members?.find((m: Member) => m.kind === 'redis' && m.role === 'master' && m.running);
        return found && found.name !== master.name ? (found as Member) : undefined;
      }, 120_000, 1000);
      // The app finds the new master through the Sentinels.
      await waitFor('the app to use the new master', async () => {
        const body = (await (await fetch(`${front}/health`)).json()) as { components: { redis?: { status: string; details: { masterPort: number } } } };
        return body.components.redis?.status === 'UP' && body.components.redis.details.masterPort === promoted.port ? true : undefined;
      }, 60_000, 500);
      await sleep(2000);
    });
    // `up` restarts the old master as a replica of the new one, never as a second master.
    await restore([master.name]);
    assert.equal(members.find((m) => m.name === master.name)?.role, 'replica');
    assert.equal(members.filter((m) => m.kind === 'redis' && m.role === 'master').length, 1);
  });

  it('rides through the loss of a read replica and of the analytics replica: zero failed requests', async () => {
    const replica = members.find((m) => m.kind === 'patroni' && m.role === 'replica' && m.name !== 'pg-analytics')!;
    const analytics = members.find((m) => m.name === 'pg-analytics')!;
    for (const node of [replica, analytics]) {
      const postmaster = Number((await readFile(path.join(dir, 'cluster', node.name, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      await underLoad(async () => {
        process.kill(node.pid!, 'SIGKILL');
        process.kill(postmaster, 'SIGKILL');
        await sleep(6000);
      });
      await restore([node.name]);
    }
  });

  it('rides through an app instance stopped with SIGTERM (rolling restart) and one killed with SIGKILL', async () => {
    for (const [name, signal] of [['app-b', 'SIGTERM'], ['app-c', 'SIGKILL']] as const) {
      const app = members.find((m) => m.name === name)!;
      await underLoad(async () => {
        process.kill(app.pid!, signal);
        await sleep(5000);
      });
      await restore([name]);
    }
  });

  it('is idempotent and refuses a concurrent up', async () => {
    const again = await jivs(env, 'cluster', 'up');
    assert.equal(again.code, 0, again.error);
    assert.ok(!again.lines.some((l) => l.event === 'step' && /^started /.test(l.message)), 'starts nothing that runs');
    assert.deepEqual(
      (again.result.members as Member[]).map((m) => m.pid),
      members.map((m) => m.pid),
    );
    const lock = path.join(dir, 'cluster', 'cluster.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, what: 'up', since: new Date().toISOString() }));
    const refused = await jivs(env, 'cluster', 'up');
    await rm(lock);
    assert.equal(refused.code, 1);
    assert.match(refused.error ?? '', /another jivs cluster command \(up, pid \d+/);
  });

  it('status reports each member; down stops exactly those PIDs and wipes on request', async () => {
    const status = await jivs(env, 'cluster', 'status');
    assert.equal(status.code, 0);
    assert.equal(status.result.healthy, true);
    const down = await jivs(env, 'cluster', 'down', '--wipe');
    assert.equal(down.code, 0, down.error);
    assert.equal(down.result.stopped.length, 22);
    for (const m of members) assert.ok(!(await isAlive(m.pid ?? undefined)), `${m.name} (pid ${m.pid}) stopped`);
    await assert.rejects(stat(path.join(dir, 'cluster')), 'data wiped');
  });
});
