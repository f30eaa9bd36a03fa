import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleFile, ruleFiles } from '../src/observability/alert-rules.ts';
import { checkQueries, loadDashboards, panelQueries, variableQueries, type QueryCheck } from '../src/observability/dashboards.ts';
import { queryJobs } from '../src/observability/promql.ts';
import { killNode, type MemberStatus } from '../src/ops/cluster/cluster.ts';
import { isAlive } from '../src/ops/cluster/processes.ts';
import { loadClusterSecrets } from '../src/ops/cluster/secrets.ts';
import { memberPorts, topology, type Topology } from '../src/ops/cluster/topology.ts';
import { jivsCluster as jivs } from './support/cluster-cli.ts';
import { caller } from './support/service-process.ts';
import { waitFor } from './support/wait.ts';

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * The rule groups of deploy/prometheus (rules/*.yml and recording.yml), read independently of
 * the cluster code, with their evaluation interval (none: the global one). A missing or
 * malformed file fails the test.
 */
async function ruleGroups(): Promise<Array<{ name: string; seconds: number | undefined }>> {
  const { alerting, recording } = await ruleFiles();
  const groups: Array<{ name: string; seconds: number | undefined }> = [];
  for (const file of [...alerting, recording]) {
    for (const g of (await loadRuleFile(file)).groups) {
      const [, n, unit] = /^(\d+)([smh])$/.exec(g.interval ?? '') ?? [];
      groups.push({ name: g.name, seconds: n && unit ? Number(n) * SECONDS[unit]! : undefined });
    }
  }
  return groups;
}

async function get(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

/** PIDs of live processes whose working directory is under `dir` (every member runs in its own directory). */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(dir)) pids.push(Number(entry));
  }
  return pids;
}

describe('jivs cluster: the monitoring tier (Prometheus x2, Alertmanager x2, exporters)', () => {
  let dir: string;
  let env: Record<string, string>;
  let base: number;
  /** Where each member listens: the cluster's own topology for this base port. */
  let nodes: Topology;
  let members: MemberStatus[] = [];
  const ofKind = (kind: string) => members.filter((m) => m.kind === kind);
  const named = (kind: string) => ofKind(kind).map((m) => m.name);
  const gossipPorts = () => nodes.alertmanager.map((a) => a.ports.gossip!);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'jivs-monitoring-'));
    await chmod(dir, 0o755); // the engines' own user must be able to enter it
    // Bases 10000..16800 (ports up to 16939): below Linux's ephemeral ports (32768+), where an
    // engine's outgoing connection can hold one of ours; apart from the lifecycle test's
    // 18000..29939 and the default base 17000.
    base = 10_000 + 200 * Math.floor(Math.random() * 35);
    nodes = topology({ basePort: base, dir: path.join(dir, 'cluster') });
    env = {
      JIVS_DATA_DIR: dir,
      JIVS_CLUSTER_BASE_PORT: String(base),
      JIVS_LOG_LEVEL: 'warn',
      // Targets and rules are seen within seconds instead of the default 15 s.
      JIVS_CLUSTER_SCRAPE_INTERVAL_SECONDS: '2',
    };
  });
  after(async () => {
    await jivs(env, 'down', '--wipe');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a monitoring port another process holds, then brings every monitoring member up healthy', async () => {
    // Alertmanager b's gossip port (not its web port) is held by someone else.
    const gossip = gossipPorts()[1]!;
    // Alertmanager a dials its peer's port: drop those connections, or close() would wait for them.
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(gossip, '127.0.0.1', resolve));
    const refused = await jivs(env, 'up');
    await new Promise((resolve) => holder.close(resolve));
    assert.equal(refused.code, 1);
    assert.match(refused.error ?? '', new RegExp(`port ${gossip} for alertmanager-b is already in use`));
    assert.deepEqual(refused.started, [], 'refused before anything starts');

    const up = await jivs(env, 'up');
    assert.equal(up.code, 0, up.error);

    const status = await jivs(env, 'status');
    assert.equal(status.code, 0, status.error);
    members = status.result.members as MemberStatus[];
    for (const m of members) assert.ok(m.running && m.healthy, `${m.name} is healthy (${m.detail ?? ''})`);
    assert.deepEqual([...up.started].sort(), members.map((m) => m.name).sort(), 'started every member');
    assert.deepEqual(named('prometheus'), ['prometheus-a', 'prometheus-b']);
    assert.deepEqual(named('alertmanager'), ['alertmanager-a', 'alertmanager-b']);
    const exporters = ofKind('exporter');
    const watching = (role: string) => exporters.filter((e) => e.role === role).map((e) => e.name.replace(/-exporter$/, ''));
    assert.deepEqual(watching('postgres'), named('patroni'), 'a postgres_exporter per PostgreSQL node');
    assert.deepEqual(watching('redis'), named('redis'), 'a redis_exporter per Redis node');
    assert.deepEqual(watching('sentinel'), named('sentinel'), 'a redis_exporter per Sentinel');
    assert.deepEqual(watching('pgbouncer'), named('pgbouncer'), 'an exporter per PgBouncer');
    assert.deepEqual(watching('node'), ['node'], 'one node exporter');
    assert.deepEqual(members.map((m) => m.name), nodes.all.map((m) => m.name), 'status lists every member of the topology');
    // Every port of every member: client ports, further ports (HAProxy's, gossip, etcd peers) and PostgreSQL's.
    const ports = nodes.all.flatMap(memberPorts);
    assert.equal(new Set(ports).size, ports.length, 'no two members share a port');
  });

  it('both Prometheus scrape every target of every job, up, labelled with its member and zone', async () => {
    const zone = new Map(members.map((m) => [m.name, m.zone]));
    const jobs: Record<string, string[]> = {
      'jivs-app': named('app'),
      patroni: named('patroni'),
      postgres: named('patroni'),
      redis: named('redis'),
      sentinel: named('sentinel'),
      haproxy: named('haproxy'),
      pgbouncer: named('pgbouncer'),
      node: ['node-exporter'],
      etcd: named('etcd'),
      prometheus: named('prometheus'),
      alertmanager: named('alertmanager'),
    };
    const expected = Object.entries(jobs)
      .flatMap(([job, names]) => names.map((n) => `${job} ${n} ${zone.get(n)}`))
      .sort();
    for (const prometheus of ofKind('prometheus')) {
      const url = `http://127.0.0.1:${prometheus.port}`;
      const targets = await waitFor(
        `every target of ${prometheus.name} to be up`,
        async () => {
          const body = await get(`${url}/api/v1/targets?state=active`);
          const active = body.data.activeTargets as Array<{ health: string; labels: Record<string, string> }>;
          return active.length === expected.length && active.every((t) => t.health === 'up') ? active : undefined;
        },
        60_000,
        1000,
      );
      assert.deepEqual(targets.map((t) => `${t.labels.job} ${t.labels.member} ${t.labels.zone}`).sort(), expected, prometheus.name);

      const query = async (q: string) =>
        ((await get(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).data.result as Array<{ metric: Record<string, string>; value: [number, string] }>)
          .map((r) => `${r.metric.member} ${r.value[1]}`)
          .sort();
      // The exporters reach what they watch, with its credentials.
      assert.deepEqual(await query('pg_up'), named('patroni').map((n) => `${n} 1`).sort(), 'postgres_exporter logs in to each node');
      assert.deepEqual(await query('redis_up{job="redis"}'), named('redis').map((n) => `${n} 1`), 'redis_exporter authenticates to each node');
      assert.deepEqual(await query('redis_sentinel_masters'), named('sentinel').map((n) => `${n} 1`), 'each Sentinel monitors one master');
      assert.deepEqual(
        await query('pgbouncer_pool_size{database="jivs_primary"}'),
        named('pgbouncer').map((n) => `${n} 20`),
        'the PgBouncer exporter reads each PgBouncer\'s pools',
      );
      assert.deepEqual(await query('sum by (member) (patroni_primary)'), named('patroni').map((n) => `${n} ${n === members.find((m) => m.role === 'leader')?.name ? 1 : 0}`).sort());
      // Both send alerts to both Alertmanagers.
      const managers = (await get(`${url}/api/v1/alertmanagers`)).data.activeAlertmanagers as Array<{ url: string }>;
      assert.deepEqual(
        managers.map((a) => new URL(a.url).port).sort(),
        ofKind('alertmanager').map((a) => String(a.port)),
        `${prometheus.name} alerts to both Alertmanagers`,
      );
    }
  });

  it('both Prometheus load every rule group of deploy/prometheus and evaluate them', async () => {
    const expected = await ruleGroups();
    assert.ok(expected.length > 0, 'deploy/prometheus holds rule groups');
    // Groups evaluated every 30 s or more often have run within this test; the slower ones
    // (up to 10 min) are checked loaded only, to keep the file fast.
    const quick = expected.filter((g) => (g.seconds ?? 0) <= 30).map((g) => g.name);
    assert.ok(quick.length > 0, 'some rule group is evaluated at least every 30 s');
    for (const prometheus of ofKind('prometheus')) {
      type Group = { name: string; lastEvaluation: string; rules: Array<{ name: string; health: string; lastError?: string }> };
      const groups = await waitFor(
        `${prometheus.name} to evaluate ${quick.join(', ')}`,
        async () => {
          const all = (await get(`http://127.0.0.1:${prometheus.port}/api/v1/rules`)).data.groups as Group[];
          const evaluated = all.filter((g) => quick.includes(g.name) && !g.lastEvaluation.startsWith('0001-'));
          return evaluated.length === quick.length ? all : undefined;
        },
        60_000,
        1000,
      );
      assert.deepEqual(groups.map((g) => g.name).sort(), expected.map((g) => g.name).sort(), `${prometheus.name} loads every group`);
      const failing = groups.flatMap((g) => g.rules).filter((r) => r.health === 'err');
      assert.deepEqual(failing.map((r) => `${r.name}: ${r.lastError}`), [], `${prometheus.name} evaluates its rules without error`);
    }
  });

  it('clusters the two Alertmanagers: each sees both peers, and a silence made on one is on the other', async () => {
    const [a, b] = ofKind('alertmanager');
    const gossip = gossipPorts().map((p) => `127.0.0.1:${p}`);
    for (const am of [a!, b!]) {
      const status = await get(`http://127.0.0.1:${am.port}/api/v2/status`);
      assert.equal(status.cluster.status, 'ready', am.name);
      assert.deepEqual((status.cluster.peers as Array<{ address: string }>).map((p) => p.address).sort(), gossip, `${am.name} sees both peers`);
    }
    // Silences and the notification log are what Alertmanagers gossip (alerts come from both
    // Prometheus to both), so a silence shows the gossip works.
    const run = randomUUID();
    const now = Date.now();
    const created = await fetch(`http://127.0.0.1:${a!.port}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'test_run', value: run, isRegex: false, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 600_000).toISOString(),
        createdBy: 'cluster-monitoring.test',
        comment: 'gossip check',
      }),
    });
    assert.equal(created.status, 200);
    const { silenceID } = (await created.json()) as { silenceID: string };
    const seen = await waitFor(
      'the silence on alertmanager-b',
      async () => {
        const res = await fetch(`http://127.0.0.1:${b!.port}/api/v2/silence/${silenceID}`);
        return res.status === 200 ? ((await res.json()) as { matchers: Array<{ value: string }>; status: { state: string } }) : undefined;
      },
      30_000,
      250,
    );
    assert.equal(seen.matchers[0]?.value, run);
    assert.equal(seen.status.state, 'active');
  });

  it('pages when the Redis master and the Patroni leader die: Prometheus fires, Alertmanager routes, the app\'s inbox lists both', async () => {
    const redisMaster = ofKind('redis').find((m) => m.role === 'master')!;
    const leader = ofKind('patroni').find((m) => m.role === 'leader')!;
    // Both faults at once: their `for` durations and group waits overlap instead of adding up.
    process.kill(redisMaster.pid!, 'SIGKILL');
    await killNode(nodes, leader);

    const front = `http://127.0.0.1:${nodes.haproxy[0]!.ports.front}`;
    const { adminPassword } = await loadClusterSecrets(path.join(dir, 'cluster'));
    const login = await caller(front)('POST', '/api/v1/auth/login', { username: 'admin', password: adminPassword });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const api = caller(front, login.body.accessToken as string);

    // Tier 1 pages (receiver pagerduty); the failover itself is tier 2 (slack) and names the new leader.
    type Received = { receiver: string; alertname: string; status: string; labels: Record<string, string> };
    const wanted: Array<{ receiver: string; alertname: string; matches: (a: Received) => boolean }> = [
      { receiver: 'pagerduty', alertname: 'RedisMasterDown', matches: (a) => a.labels.member === redisMaster.name },
      { receiver: 'pagerduty', alertname: 'PostgreSQLPrimaryDown', matches: (a) => a.labels.member === leader.name },
      { receiver: 'slack', alertname: 'PostgreSQLLeaderChanged', matches: (a) => a.labels.member !== leader.name },
    ];
    const arrived = (items: Received[]) =>
      wanted.map((w) => items.find((a) => a.receiver === w.receiver && a.alertname === w.alertname && a.status === 'firing' && w.matches(a)));
    // Rule groups are evaluated every 30 s (tier 1) and 1 min (tier 2), RedisMasterDown and
    // PostgreSQLPrimaryDown hold for 30 s, and Alertmanager waits 10 s / 30 s per group: ~2 min.
    const received = await waitFor(
      `${wanted.map((w) => `${w.alertname} at ${w.receiver}`).join(', ')} in the inbox`,
      async () => {
        const res = await api('GET', '/api/v1/alerts?status=firing&limit=200');
        if (res.status !== 200) return undefined;
        const found = arrived(res.body.items as Received[]);
        return found.every(Boolean) ? (found as Received[]) : undefined;
      },
      300_000,
      2000,
    );
    for (const alert of received) {
      assert.equal(alert.labels.tier, alert.receiver === 'pagerduty' ? '1' : '2', `${alert.alertname} carries its tier`);
    }
    // Both Prometheus fire them (each evaluates on its own schedule: the inbox may have them
    // from one while the other's `for` has a few seconds to go).
    for (const prometheus of ofKind('prometheus')) {
      await waitFor(
        `${prometheus.name} to fire ${wanted.map((w) => w.alertname).join(', ')}`,
        async () => {
          const firing = (await get(`http://127.0.0.1:${prometheus.port}/api/v1/alerts`)).data.alerts as Array<{ state: string; labels: Record<string, string> }>;
          return wanted.every((w) => firing.some((a) => a.state === 'firing' && a.labels.alertname === w.alertname)) ? true : undefined;
        },
        120_000,
        2000,
      );
    }

    // `up` brings both back (the old leader as a replica of the new primary, the old master as a replica).
    const again = await jivs(env, 'up');
    assert.equal(again.code, 0, again.error);
    assert.deepEqual([...again.started].sort(), [leader.name, redisMaster.name].sort());
    members = again.result.members as MemberStatus[];
  });

  it('runs every dashboard query against the cluster\'s Prometheus: each parses, and each over series it holds returns data', async () => {
    const url = `http://127.0.0.1:${ofKind('prometheus')[0]!.port}`;
    const dashboards = await loadDashboards(path.resolve(import.meta.dirname, '..', 'deploy', 'grafana', 'dashboards'));
    assert.equal(dashboards.length, 15);
    const queries = dashboards.flatMap((d) => [...panelQueries(d), ...variableQueries(d)]);
    const results = await checkQueries(url, queries);
    const describe = (r: QueryCheck) => `${r.dashboard} / ${r.panel} ${r.refId}: ${r.status}${r.message ? ` (${r.message})` : ''}\n    ${r.query}`;
    assert.deepEqual(results.filter((r) => r.status === 'parse_error' || r.status === 'error').map(describe), []);
    // Every metric name Prometheus holds a series of, from any job: engines' exporters and the apps.
    const names = new Set((await get(`${url}/api/v1/label/__name__/values`)).data as string[]);
    const held = (m: string) => names.has(m);
    // Queries over the engines (PostgreSQL, Redis, HAProxy, PgBouncer, etcd, node) get their data
    // here; the app's, which need traffic of each kind (sign-outs, 401s, jobs...), get theirs in
    // test/dashboards-live.test.ts.
    const answerable = results.filter(
      (r) => !r.emptyAllowed && r.metrics.length > 0 && r.metrics.every(held) && !queryJobs(r.expr).includes('jivs-app'),
    );
    const jobs = new Set(answerable.flatMap((r) => queryJobs(r.expr)));
    for (const job of ['patroni', 'postgres', 'redis', 'sentinel', 'haproxy', 'pgbouncer', 'node', 'etcd']) {
      assert.ok(jobs.has(job), `some dashboard query over job ${job} is checked`);
    }
    assert.deepEqual(answerable.filter((r) => r.status !== 'ok').map(describe), [], 'queries over series Prometheus holds that return nothing');
  });

  it('down --wipe stops every member, monitoring included, and leaves none of their processes', async () => {
    const down = await jivs(env, 'down', '--wipe');
    assert.equal(down.code, 0, down.error);
    assert.deepEqual([...(down.result.stopped as string[])].sort(), members.map((m) => m.name).sort());
    for (const m of members) assert.ok(!(await isAlive(m.pid ?? undefined)), `${m.name} (pid ${m.pid}) stopped`);
    assert.deepEqual(await processesUnder(path.join(dir, 'cluster')), [], 'no process runs in the cluster directory');
  });
});
