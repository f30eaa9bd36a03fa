import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { killNode, type MemberStatus } from '../src/ops/cluster/cluster.ts';
import { isAlive, stopProcess } from '../src/ops/cluster/processes.ts';
import { loadClusterSecrets, type ClusterSecrets } from '../src/ops/cluster/secrets.ts';
import { topology, type Topology } from '../src/ops/cluster/topology.ts';
import { runLoad } from '../src/ops/load.ts';
import { jivsCluster } from './support/cluster-cli.ts';
import { caller, startServiceProcess } from './support/service-process.ts';
import { waitFor } from './support/wait.ts';


/** A member as `jivs cluster --json` reports it. */
type Member = MemberStatus;

describe('jivs cluster up | status | down on the real engines', () => {
  let dir: string;
  let env: Record<string, string>;
  /** Where each member listens: the cluster's own topology for this base port. */
  let nodes: Topology;
  let members: Member[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'jivs-cluster-'));
    await chmod(dir, 0o755); // the engines' own user must be able to enter it
    // A base port of our own so parallel runs never meet the engines' standard ports or each other.
    env = {
      JIVS_DATA_DIR: dir,
      JIVS_CLUSTER_BASE_PORT: String(18_000 + 200 * Math.floor(Math.random() * 60)),
      JIVS_LOG_LEVEL: 'warn',
      // The load below is far above the per-user default of 100 requests a minute.
      JIVS_RATE_LIMITS_DEFAULT_POINTS: '1000000',
      // Each fault signs in afresh; the sign-in limit (5 a minute per client) would refuse that.
      JIVS_RATE_LIMITS_AUTH_POINTS: '1000',
    };
    nodes = topology({ basePort: Number(env.JIVS_CLUSTER_BASE_PORT), dir: path.join(dir, 'cluster') });
  });
  after(async () => {
    await jivsCluster(env, 'down', '--wipe');
    await rm(dir, { recursive: true, force: true });
  });

  it('brings every member up healthy, spread over three zones', async () => {
    const up = await jivsCluster(env, 'up');
    assert.equal(up.code, 0, up.error);
    members = up.result.members as Member[];
    const counts = Object.fromEntries(['etcd', 'patroni', 'haproxy', 'pgbouncer', 'redis', 'sentinel', 'app'].map((k) => [k, members.filter((m) => m.kind === k).length]));
    assert.deepEqual(counts, { etcd: 3, patroni: 4, haproxy: 3, pgbouncer: 3, redis: 3, sentinel: 3, app: 3 });
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
    for (const front of fronts()) assert.equal((await fetch(`${front}/health`)).status, 200, `front end ${front}`);
    assert.ok(await signIn());
  });

  /** The secrets `up` generated, read once. */
  let loaded: Promise<ClusterSecrets> | undefined;
  const secrets = () => (loaded ??= loadClusterSecrets(path.join(dir, 'cluster')));
  const fronts = () => nodes.haproxy.map((h) => `http://127.0.0.1:${h.ports.front}`);
  const instances = () => nodes.app.map((a) => `http://127.0.0.1:${a.port}`);
  const writePort = (zone: number) => nodes.haproxy[zone]!.ports.write!;

  /** Calls the API at `base`; JSON in, { status, body } out. */
  const api = (base: string, method: string, url: string, token?: string, body?: unknown) => caller(base, token)(method, url, body);
  const signIn = async (username = 'admin', password?: string) => {
    const res = await api(fronts()[0]!, 'POST', '/api/v1/auth/login', undefined, { username, password: password ?? (await secrets()).adminPassword });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.accessToken as string;
  };
  /** A client of the current primary, through zone a's HAProxy write port, as the superuser. */
  const primary = async (database = 'jivs') => {
    const client = new pg.Client({ host: '127.0.0.1', port: writePort(0), user: 'postgres', password: (await secrets()).postgresSuperuser, database });
    await client.connect();
    return client;
  };

  it('routes reads over the replicas within the lag limit and lists the whole topology in /health', async () => {
    const leader = members.find((m) => m.kind === 'patroni' && m.role === 'leader')!;
    const replicas = members.filter((m) => m.kind === 'patroni' && m.role !== 'leader' && m.name !== 'pg-analytics').map((m) => m.name);
    const redisMaster = members.find((m) => m.kind === 'redis' && m.role === 'master')!;
    const token = await signIn();
    for (let i = 0; i < 12; i++) assert.equal((await api(fronts()[i % 3]!, 'GET', '/api/v1/sources', token)).status, 200);
    for (const base of instances()) {
      const health = (await api(base, 'GET', '/health')).body;
      const db = health.components.db.details;
      assert.equal(db.primary.node, leader.name, `${base}: the primary`);
      const inRotation = (db.replicas as Array<{ node: string; inRotation: boolean; lagSeconds: number | null }>).filter((r) => r.inRotation);
      assert.deepEqual(inRotation.map((r) => r.node).sort(), [...replicas].sort(), `${base}: the read replicas in rotation`);
      for (const r of inRotation) assert.ok(r.lagSeconds !== null && r.lagSeconds <= 10, `${r.node} lag ${r.lagSeconds}`);
      assert.equal(db.analytics.node, 'pg-analytics');
      assert.equal(db.analytics.inRotation, true);
      const redis = health.components.redis.details;
      assert.equal(redis.master.address, `127.0.0.1:${redisMaster.port}`);
      assert.equal(redis.replicas.length, 2);
      assert.equal(redis.sentinels.length, 3);
    }
    // The reads really ran on the replicas: their sessions are there, as the read role.
    for (const name of replicas) {
      const node = nodes.postgres.find((m) => m.name === name)!;
      const client = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', password: (await secrets()).postgresSuperuser, database: 'jivs' });
      await client.connect();
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'jivs:read'");
      await client.end();
      assert.ok(rows[0]!.n > 0, `${name} serves reads`);
    }
  });

  it('refuses to start an instance whose Sentinels watch no master of its configured name', async () => {
    const dataDir = path.join(dir, 'misnamed');
    const started = startServiceProcess({
      JIVS_DATA_DIR: dataDir,
      JIVS_DATABASE_WRITE: `postgres://postgres:${encodeURIComponent((await secrets()).postgresSuperuser)}@127.0.0.1:${writePort(0)}/jivs`,
      JIVS_REDIS_SENTINELS: nodes.sentinel.map((s) => `127.0.0.1:${s.port}`).join(','),
      JIVS_REDIS_MASTER_NAME: 'no-such-master',
    });
    await assert.rejects(started, /JIVS_REDIS_MASTER_NAME \(redis\.masterName\): the Sentinels watch no master named "no-such-master"/);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('caches in Redis with PostgreSQL as the truth: sign-out and role changes apply at once on every instance, figures are shared', async () => {
    const admin = await signIn();
    const username = `op${Date.now()}`;
    const password = 'operator passphrase long enough 77';
    const created = await api(fronts()[0]!, 'POST', '/api/v1/users', admin, { username, password, role: 'operator' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const operator = await signIn(username, password);
    // Warm every instance's view (and the shared Redis entry) with the operator role.
    for (const base of instances()) assert.equal((await api(base, 'GET', '/api/v1/users', operator)).status, 403);
    assert.equal((await api(fronts()[1]!, 'PATCH', `/api/v1/users/${created.body.id}`, admin, { role: 'admin' })).status, 200);
    for (const base of instances()) assert.equal((await api(base, 'GET', '/api/v1/users', operator)).status, 200, `${base} sees the new role at once`);
    assert.equal((await api(fronts()[2]!, 'POST', '/api/v1/auth/logout', operator, {})).status, 204);
    for (const base of instances()) assert.equal((await api(base, 'GET', '/api/v1/sources', operator)).status, 401, `${base} refuses the signed-out token at once`);
    const hits = await Promise.all(
      instances().map(async (base) => Number(/^cache_requests_total\{cache="auth",result="hit"\} (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0)),
    );
    assert.ok(hits.some((h) => h > 0), `token checks are answered from Redis (${hits.join(', ')} hits)`);
    // Dashboard figures are computed once per TTL across instances, read back from a Redis replica.
    for (const base of instances()) {
      assert.equal((await api(base, 'GET', '/api/v1/analytics/extractions', admin)).status, 200);
      await sleep(300);
    }
    const figureHits = await Promise.all(
      instances().map(async (base) => Number(/^cache_requests_total\{cache="analytics",result="hit"\} (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0)),
    );
    assert.ok(figureHits.reduce((a, b) => a + b) >= 1, `analytics figures are answered from Redis (${figureHits.join(', ')} hits)`);
  });

  /** Runs a steady load through every front end while `fault` happens; returns the report. */
  async function underLoad(fault: () => Promise<void>): Promise<Awaited<ReturnType<typeof runLoad>>> {
    const accessToken = await signIn();
    const stop = new AbortController();
    const load = runLoad({ baseUrls: fronts(), token: accessToken, rate: 15, signal: stop.signal });
    await sleep(3000);
    try {
      await fault();
    } finally {
      // Also when the fault's checks fail: a load left running would keep this file from exiting.
      stop.abort();
    }
    const report = await load;
    assert.ok(report.requests > 40, `a steady load ran (${report.requests} requests)`);
    assert.deepEqual(report.failures, [], 'no request failed');
    return report;
  }

  /** Brings the killed members back with `up` and checks it restarted exactly those. */
  async function restore(names: string[]): Promise<void> {
    const again = await jivsCluster(env, 'up');
    assert.equal(again.code, 0, again.error);
    assert.deepEqual([...again.started].sort(), [...names].sort());
    members = again.result.members as Member[];
  }

  it('rides through the loss of the Patroni leader: zero failed requests, no acknowledged write lost, a running extraction exact', async () => {
    const leader = members.find((m) => m.kind === 'patroni' && m.role === 'leader')!;
    // A source database on the cluster itself, reached through a write port: it fails over too.
    const rows = 1_000_000;
    const setup = await primary();
    await setup.query('DROP DATABASE IF EXISTS jivs_src');
    await setup.query('CREATE DATABASE jivs_src');
    await setup.query("DO $$ BEGIN CREATE ROLE src_reader LOGIN PASSWORD 'src-reader-pass'; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    await setup.end();
    const src = await primary('jivs_src');
    await src.query(`CREATE TABLE items AS SELECT g AS id, md5(g::text) AS label, now() - g * interval '1 second' AS seen FROM generate_series(1, ${rows}) g`);
    await src.query('ALTER TABLE items ADD PRIMARY KEY (id)');
    await src.query('GRANT SELECT ON items TO src_reader');
    await src.end();
    const admin = await signIn();
    const source = await api(fronts()[0]!, 'POST', '/api/v1/sources', admin, {
      name: 'cluster items',
      kind: 'postgres',
      dsn: `postgres://src_reader:src-reader-pass@127.0.0.1:${writePort(1)}/jivs_src`,
    });
    assert.equal(source.status, 201, JSON.stringify(source.body));
    const extraction = await api(fronts()[0]!, 'POST', '/api/v1/extractions', admin, { name: 'during failover', sourceId: source.body.id, table: 'items', start: true });
    assert.equal(extraction.status, 201, JSON.stringify(extraction.body));
    const extractionId = extraction.body.id as string;
    await waitFor('the extraction to run', async () => ((await api(fronts()[0]!, 'GET', `/api/v1/extractions/${extractionId}`, admin)).body.status === 'running' ? true : undefined), 60_000, 100);
    const report = await underLoad(async () => {
      // Node loss: Patroni and its PostgreSQL die together.
      await killNode(nodes, leader);
      const newLeader = await waitFor('a new leader', async () => {
        const found = (await jivsCluster(env, 'status', '--kind', 'patroni')).result?.members?.find((m: Member) => m.kind === 'patroni' && m.role === 'leader' && m.running);
        return found && found.name !== leader.name ? (found as Member) : undefined;
      }, 120_000, 1000);
      assert.notEqual(newLeader.name, 'pg-analytics', 'the analytics replica never becomes primary');
      await sleep(4000);
    });
    // Ask the new primary itself, through a write port, which writes it holds.
    const client = await primary();
    const names = new Set((await client.query<{ name: string }>('SELECT name FROM data_sources')).rows.map((r) => r.name));
    await client.end();
    const lost = report.acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `every one of the ${report.acknowledged.length} acknowledged writes is present`);
    // The extraction resumes on the new primary from its last checkpoint: every row, once.
    const done = await waitFor('the extraction to finish', async () => {
      const body = (await api(fronts()[1]!, 'GET', `/api/v1/extractions/${extractionId}`, admin)).body;
      return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    }, 300_000, 1000);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress.records, rows);
    assert.equal(done.verification.match, true, 'row count and per-row hashes equal between source and archive');
    assert.equal(done.verification.archive.rows, rows);
    // `up` brings the lost node back, as a replica of the new primary.
    await restore([leader.name]);
    assert.equal(members.find((m) => m.name === leader.name)?.role, 'replica');
  });

  it('rides through the loss of the Redis master: zero failed requests, Redis serves again after Sentinel fails over', async () => {
    const master = members.find((m) => m.kind === 'redis' && m.role === 'master')!;
    const front = fronts()[2]!;
    await underLoad(async () => {
      process.kill(master.pid!, 'SIGKILL');
      const promoted = await waitFor('a new Redis master', async () => {
        const found = (await jivsCluster(env, 'status', '--kind', 'redis')).result?.members?.find((m: Member) => m.kind === 'redis' && m.role === 'master' && m.running);
        return found && found.name !== master.name ? (found as Member) : undefined;
      }, 120_000, 1000);
      // The app finds the new master through the Sentinels: at once when Sentinel's first
      // failover works, ~60 s later when its leader election split the votes (Sentinel tries
      // again after 2 × failover-timeout = 60 s; seen once in CI). Requests succeed meanwhile.
      await waitFor('the app to use the new master', async () => {
        const body = (await (await fetch(`${front}/health`)).json()) as { components: { redis?: { status: string; details: { master?: { address: string } } } } };
        return body.components.redis?.status === 'UP' && body.components.redis.details.master?.address === `127.0.0.1:${promoted.port}` ? true : undefined;
      }, 180_000, 500);
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
      await underLoad(async () => {
        await killNode(nodes, node);
        await sleep(6000);
      });
      await restore([node.name]);
    }
  });

  it('rides through an app instance stopped with SIGTERM (rolling restart) and one killed with SIGKILL', async () => {
    for (const [name, signal] of [['app-b', 'SIGTERM'], ['app-c', 'SIGKILL']] as const) {
      const app = members.find((m) => m.name === name)!;
      await underLoad(async () => {
        // SIGTERM: the instance drains (readiness 503 until HAProxy stops sending it requests) and
        // exits by itself, within stopProcess's grace (not SIGKILLed after it).
        assert.equal(await stopProcess(app.pid!, signal), 'exited', `${name} exits on ${signal}`);
        assert.ok(!(await isAlive(app.pid!)), `${name} is gone`);
        await sleep(3000);
      });
      await restore([name]);
    }
  });

  it('is idempotent and refuses a concurrent up', async () => {
    const again = await jivsCluster(env, 'up');
    assert.equal(again.code, 0, again.error);
    assert.deepEqual(again.started, [], 'starts nothing that runs');
    assert.deepEqual(
      (again.result.members as Member[]).map((m) => m.pid),
      members.map((m) => m.pid),
    );
    const lock = path.join(dir, 'cluster', 'cluster.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, what: 'up', since: new Date().toISOString() }));
    const refused = await jivsCluster(env, 'up');
    await rm(lock);
    assert.equal(refused.code, 1);
    assert.match(refused.error ?? '', /another jivs cluster command \(up, pid \d+/);
  });

  it('status reports each member; down stops exactly those PIDs and wipes on request', async () => {
    const status = await jivsCluster(env, 'status');
    assert.equal(status.code, 0);
    assert.equal(status.result.healthy, true);
    const down = await jivsCluster(env, 'down', '--wipe');
    assert.equal(down.code, 0, down.error);
    assert.equal(down.result.stopped.length, members.length);
    for (const m of members) assert.ok(!(await isAlive(m.pid ?? undefined)), `${m.name} (pid ${m.pid}) stopped`);
    await assert.rejects(stat(path.join(dir, 'cluster')), 'data wiped');
  });
});
