/**
 * bench:failover — every fault of the HA tier, repeated, under a steady API load through the
 * HAProxy front ends, on a real `jivs cluster`.
 *
 * The reference is the raw engine: a client writing straight through HAProxy's write port (or to
 * Redis through Sentinel) every 50 ms; its longest gap between acknowledged writes is the outage
 * the engines themselves have. Ours is what API clients see in the same window: failed requests,
 * p99 and worst latency, and acknowledged writes missing afterwards. For the faults that stop the
 * engine's writes (loss of the PostgreSQL leader or the Redis master) the ratio printed is the
 * worst API stall over the engine outage (≈1: the API waits the outage out and no longer); the
 * other faults have no write outage to compare with ("—").
 * Also prints the idle CPU and memory (PSS) of the whole topology.
 *
 *   npm run bench:failover [-- --rounds 3] [--fault 'node loss'] [--json]
 */
import { readdir, readFile, rm, mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { createLogger } from '../src/observability/logger.ts';
import { clusterContext, clusterDown, clusterLogs, clusterStatus, clusterUp, killNode, type MemberStatus } from '../src/ops/cluster/cluster.ts';
import type { ClusterContext } from '../src/ops/cluster/engine.ts';
import { stopProcess } from '../src/ops/cluster/processes.ts';
import type { Topology } from '../src/ops/cluster/topology.ts';
import { runLoad, type LoadReport } from '../src/ops/load.ts';
import { caller } from '../test/support/service-process.ts';
import { args, machine, median, ROUNDS, say } from './support.ts';

const BASE_PORT = 15_000;
const log = createLogger('warn');

interface Probe {
  stop(): Promise<{ outageMs: number; acknowledged: number[] }>;
}

/**
 * Calls `write` with a sequence number every 50 ms until stopped; the longest gap between two
 * acknowledged writes is the engine's write outage. A failed write just waits for the next turn.
 */
function writeProbe(write: (seq: number) => Promise<void>, close: () => Promise<void>): Probe {
  let running = true;
  const acknowledged: number[] = [];
  let last = performance.now();
  let outageMs = 0;
  const loop = (async () => {
    for (let seq = 0; running; seq++) {
      try {
        await write(seq);
        acknowledged.push(seq);
        const now = performance.now();
        outageMs = Math.max(outageMs, now - last);
        last = now;
      } catch {
        // counted in the gap until the next success
      }
      await sleep(50);
    }
    await close();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { outageMs: Math.round(Math.max(outageMs, performance.now() - last)), acknowledged };
    },
  };
}

/** Numbered rows through zone a's HAProxy write port, on a connection opened again after each failure. */
function postgresProbe(nodes: Topology, password: string): Probe {
  let client: pg.Client | undefined;
  const drop = async () => {
    await client?.end().catch(() => undefined);
    client = undefined;
  };
  return writeProbe(async (seq) => {
    try {
      if (!client) {
        client = new pg.Client({ host: '127.0.0.1', port: nodes.haproxy[0]!.ports.write, user: 'postgres', password, database: 'jivs', connectionTimeoutMillis: 1000 });
        client.on('error', () => undefined);
        await client.connect();
      }
      await client.query('INSERT INTO bench_probe (seq) VALUES ($1)', [seq]);
    } catch (e) {
      await drop();
      throw e;
    }
  }, drop);
}

/** Numbered SETs on the master the Sentinels name (probe rows are PostgreSQL's only: none to check after). */
function redisProbe(nodes: Topology, config: Config, password: string): Probe {
  const redis = new Redis({
    sentinels: nodes.sentinel.map((s) => ({ host: '127.0.0.1', port: s.port })),
    name: config.redis.masterName,
    password,
    commandTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    failoverDetector: true,
  });
  redis.on('error', () => undefined);
  const probe = writeProbe(
    async (seq) => {
      await redis.set('bench:probe', String(seq));
    },
    async () => redis.disconnect(),
  );
  return { stop: async () => ({ ...(await probe.stop()), acknowledged: [] }) };
}

interface Fault {
  name: string;
  engine: 'postgres' | 'redis';
  /** It takes the engine's primary: writes stop until a failover, the outage the API stall is compared with. */
  primaryLoss: boolean;
  /** Does the damage and waits until the cluster has reacted. */
  inflict(members: MemberStatus[], cluster: ClusterContext): Promise<void>;
}

const leader = (ms: MemberStatus[]) => ms.find((m) => m.kind === 'patroni' && m.role === 'leader')!;
const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const FAULTS: Fault[] = [
  {
    name: 'PostgreSQL node loss (Patroni leader + postgres, SIGKILL)',
    engine: 'postgres',
    primaryLoss: true,
    async inflict(members, cluster) {
      const old = leader(members);
      await killNode(cluster.topology, old);
      await waitUntil('a new leader', async () => {
        const now = (await clusterStatus(cluster.config, { kinds: ['patroni'] })).find((m) => m.role === 'leader' && m.running);
        return now !== undefined && now.name !== old.name;
      });
    },
  },
  {
    name: 'Redis master loss (SIGKILL)',
    engine: 'redis',
    primaryLoss: true,
    async inflict(members, cluster) {
      const old = members.find((m) => m.kind === 'redis' && m.role === 'master')!;
      process.kill(old.pid!, 'SIGKILL');
      await waitUntil('a new Redis master', async () => {
        const now = (await clusterStatus(cluster.config, { kinds: ['redis'] })).find((m) => m.role === 'master' && m.running);
        return now !== undefined && now.name !== old.name;
      });
    },
  },
  {
    name: 'read replica loss (SIGKILL)',
    engine: 'postgres',
    primaryLoss: false,
    async inflict(members, cluster) {
      await killNode(cluster.topology, members.find((m) => m.kind === 'patroni' && m.role === 'replica' && m.name !== 'pg-analytics')!);
    },
  },
  {
    name: 'analytics replica loss (SIGKILL)',
    engine: 'postgres',
    primaryLoss: false,
    async inflict(members, cluster) {
      await killNode(cluster.topology, members.find((m) => m.name === 'pg-analytics')!);
    },
  },
  {
    name: 'app instance killed (SIGKILL)',
    engine: 'postgres',
    primaryLoss: false,
    async inflict(members) {
      process.kill(members.find((m) => m.name === 'app-b')!.pid!, 'SIGKILL');
    },
  },
  {
    name: 'app instance rolling restart (SIGTERM)',
    engine: 'postgres',
    primaryLoss: false,
    async inflict(members) {
      // A rolling restart stops the instance and waits for it to go (it drains first) before
      // starting it again; one that has to be killed is not a rolling restart.
      if ((await stopProcess(members.find((m) => m.name === 'app-c')!.pid!, 'SIGTERM')) === 'killed') {
        throw new Error('app-c did not exit within 30 s of SIGTERM and had to be killed');
      }
    },
  },
];

interface Round {
  outageMs: number;
  failed: number;
  p99Ms: number;
  maxMs: number;
  lost: number;
  requests: number;
}

async function signIn(front: string, password: string): Promise<string> {
  const res = await caller(front)('POST', '/api/v1/auth/login', { username: 'admin', password });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}

/** A superuser session on the current primary, through zone a's HAProxy write port. */
async function primary(cluster: ClusterContext): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: cluster.topology.haproxy[0]!.ports.write, user: 'postgres', password: cluster.secrets.postgresSuperuser, database: 'jivs' });
  await client.connect();
  return client;
}

/** The lines the app instances logged for one request (their whole logs: a failover writes many). */
async function requestLog(cluster: ClusterContext, requestId: string): Promise<string[]> {
  const lines: string[] = [];
  for (const app of cluster.topology.app) {
    const log = (await clusterLogs(cluster.config, app.name, Infinity))[app.name] ?? [];
    lines.push(...log.filter((l) => l.includes(`"request_id":"${requestId}"`)).map((l) => `${app.name}: ${l}`));
  }
  return lines;
}

async function runFault(fault: Fault, cluster: ClusterContext): Promise<Round> {
  const { config, topology: nodes, secrets } = cluster;
  const members = await clusterStatus(config);
  const fronts = nodes.haproxy.map((h) => `http://127.0.0.1:${h.ports.front}`);
  const token = await signIn(fronts[0]!, secrets.adminPassword);
  const probe = fault.engine === 'postgres' ? postgresProbe(nodes, secrets.postgresSuperuser) : redisProbe(nodes, config, secrets.redis);
  const stop = new AbortController();
  const load = runLoad({ baseUrls: fronts, token, rate: 15, signal: stop.signal });
  await sleep(3000);
  await fault.inflict(members, cluster);
  await sleep(6000);
  stop.abort();
  const [report, engine] = await Promise.all([load, probe.stop()]);
  const lost = await lostWrites(cluster, report, engine.acknowledged);
  for (const f of report.failures.slice(0, 5)) {
    say(`  failed: ${f.kind} at ${f.at}: ${f.status ?? 'no answer'} ${f.error}`);
    // The instance's own account of it: the log lines of that request (the cluster is wiped at the end).
    const requestId = /"requestId":"([^"]+)"/.exec(f.error ?? '')?.[1];
    if (requestId) for (const line of await requestLog(cluster, requestId)) say(`    ${line}`);
  }
  return { outageMs: engine.outageMs, failed: report.failures.length, p99Ms: report.latencyMs.p99, maxMs: report.latencyMs.max, lost, requests: report.requests };
}

/** Acknowledged API writes and engine probe rows that the primary does not hold. */
async function lostWrites(cluster: ClusterContext, report: LoadReport, probeSeqs: number[]): Promise<number> {
  const client = await primary(cluster);
  try {
    const names = new Set((await client.query<{ name: string }>('SELECT name FROM data_sources WHERE name = ANY($1)', [report.acknowledged])).rows.map((r) => r.name));
    const seqs = new Set((await client.query<{ seq: number }>('SELECT seq FROM bench_probe WHERE seq = ANY($1)', [probeSeqs])).rows.map((r) => r.seq));
    await client.query('TRUNCATE bench_probe');
    return report.acknowledged.filter((n) => !names.has(n)).length + probeSeqs.filter((s) => !seqs.has(s)).length;
  } finally {
    await client.end();
  }
}

/** CPU (share of all cores) and PSS of every process of the topology over `seconds` of idling. */
async function idleFootprint(members: MemberStatus[], seconds: number): Promise<{ cpuPercentOfMachine: number; pssMiB: number; processes: number }> {
  const tree = async () => {
    const parents = new Map<number, number>();
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[1]) parents.set(Number(entry), Number(fields[1]));
    }
    const roots = new Set(members.map((m) => m.pid).filter((p): p is number => p !== null));
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid; p && p > 1; p = parents.get(p)) if (roots.has(p)) return true;
      return false;
    };
    return [...parents.keys()].filter(inTree);
  };
  const cpuTicks = async (pids: number[]) => {
    let total = 0;
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    }
    return total;
  };
  const pids = await tree();
  const before = await cpuTicks(pids);
  await sleep(seconds * 1000);
  const after = await cpuTicks(pids);
  let pssKiB = 0;
  for (const pid of pids) {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    pssKiB += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  const cores = (await readFile('/proc/cpuinfo', 'utf8')).split('\n').filter((l) => l.startsWith('processor')).length;
  // Ticks are 1/100 s (USER_HZ) on Linux.
  const cpuPercentOfMachine = ((after - before) / 100 / seconds / cores) * 100;
  return { cpuPercentOfMachine: Math.round(cpuPercentOfMachine * 10) / 10, pssMiB: Math.round(pssKiB / 1024), processes: pids.length };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jivs-bench-failover-'));
  await chmod(dir, 0o755);
  const clusterDir = path.join(dir, 'cluster');
  const config = loadConfig({
    ...process.env,
    JIVS_DATA_DIR: dir,
    JIVS_CLUSTER_DIR: clusterDir,
    JIVS_CLUSTER_BASE_PORT: String(BASE_PORT),
    JIVS_LOG_LEVEL: 'warn',
    JIVS_RATE_LIMITS_DEFAULT_POINTS: '1000000',
    JIVS_RATE_LIMITS_AUTH_POINTS: '1000',
  });
  const options = { config, log, onStep: (m: string) => say(`  ${m}`) };
  try {
    say(`bringing the cluster up in ${dir} ...`);
    await clusterUp(options);
    const cluster = await clusterContext(config);
    const setup = await primary(cluster);
    await setup.query('CREATE TABLE IF NOT EXISTS bench_probe (seq integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    await setup.end();

    say('measuring the idle footprint (30 s) ...');
    await sleep(10_000);
    const idle = await idleFootprint(await clusterStatus(config), 30);
    say(`  idle: ${idle.cpuPercentOfMachine}% of the machine's CPU, ${idle.pssMiB} MiB PSS, ${idle.processes} processes`);

    const results: Array<{ fault: Fault; rounds: Round[] }> = [];
    for (const fault of FAULTS.filter((f) => args.fault === undefined || f.name.includes(args.fault))) {
      const rounds: Round[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        say(`${fault.name}: round ${i}/${ROUNDS} ...`);
        const round = await runFault(fault, cluster);
        say(`  engine outage ${round.outageMs} ms, ${round.failed}/${round.requests} API requests failed, p99 ${round.p99Ms} ms, max ${round.maxMs} ms, ${round.lost} acknowledged writes lost`);
        rounds.push(round);
        await clusterUp({ ...options, onStep: () => undefined });
        await sleep(5000);
      }
      results.push({ fault, rounds });
    }

    const stat = (rounds: Round[], key: keyof Round) => {
      const xs = rounds.map((r) => r[key]);
      return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
    };
    const summary = results.map(({ fault, rounds }) => ({
      fault: fault.name,
      rounds: rounds.length,
      engineOutageMs: stat(rounds, 'outageMs'),
      failedRequests: stat(rounds, 'failed'),
      apiP99Ms: stat(rounds, 'p99Ms'),
      apiMaxMs: stat(rounds, 'maxMs'),
      acknowledgedWritesLost: stat(rounds, 'lost'),
      // Null (printed "—") when the fault stops no engine writes: its "outage" is probe jitter.
      stallOverOutage: fault.primaryLoss
        ? Math.round((median(rounds.map((r) => r.maxMs)) / Math.max(1, median(rounds.map((r) => r.outageMs)))) * 100) / 100
        : null,
    }));
    const out = { date: new Date().toISOString().slice(0, 10), machine: machine(), idle, faults: summary };
    if (args.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const f = (s: { min: number; median: number; max: number }) => `${s.min} / ${s.median} / ${s.max}`;
      console.log(`\nbench:failover ${out.date}, ${out.machine}; ${ROUNDS} rounds each (min / median / max)`);
      console.log(`idle topology: ${idle.cpuPercentOfMachine}% of the machine's CPU, ${idle.pssMiB} MiB PSS over ${idle.processes} processes\n`);
      console.log('| fault | engine write outage ms | failed API requests | API p99 ms | API max ms | acked writes lost | API stall / engine outage |');
      console.log('|---|---|---|---|---|---|---|');
      for (const s of summary) {
        console.log(`| ${s.fault} | ${f(s.engineOutageMs)} | ${f(s.failedRequests)} | ${f(s.apiP99Ms)} | ${f(s.apiMaxMs)} | ${f(s.acknowledgedWritesLost)} | ${s.stallOverOutage ?? '—'} |`);
      }
    }
  } finally {
    say('tearing the cluster down ...');
    await clusterDown({ ...options, wipe: true }).catch((e: unknown) => say(`down failed: ${(e as Error).message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
