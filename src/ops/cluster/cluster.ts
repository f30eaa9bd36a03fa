import { chown, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../observability/logger.ts';
import { checkTraversable, serviceIdentity, type OsIdentity } from '../os-user.ts';
import { missingEngines } from '../doctor.ts';
import type { ClusterContext, Engine, Probe } from './engine.ts';
import { alertmanagerEngine } from './engines/alertmanager.ts';
import { appEngine } from './engines/app.ts';
import { etcdEngine } from './engines/etcd.ts';
import { exporterEngine } from './engines/exporters.ts';
import { haproxyEngine } from './engines/haproxy.ts';
import { getJson } from './engines/probes.ts';
import { patroniEngine } from './engines/patroni.ts';
import { pgbouncerEngine } from './engines/pgbouncer.ts';
import { prometheusEngine } from './engines/prometheus.ts';
import { redisEngine } from './engines/redis.ts';
import { sentinelEngine } from './engines/sentinel.ts';
import { isAlive, launch, stopProcess } from './processes.ts';
import { loadClusterSecrets } from './secrets.ts';
import { readState, withClusterLock, writeState, type ClusterState } from './state.ts';
import { memberPorts, topology, type Member, type MemberKind, type Topology } from './topology.ts';

const ENGINES: Record<MemberKind, Engine> = {
  etcd: etcdEngine,
  patroni: patroniEngine,
  haproxy: haproxyEngine,
  pgbouncer: pgbouncerEngine,
  redis: redisEngine,
  sentinel: sentinelEngine,
  app: appEngine,
  exporter: exporterEngine,
  alertmanager: alertmanagerEngine,
  prometheus: prometheusEngine,
};

/**
 * Refuses, before anything starts, ports the kernel may hand out to outgoing connections (a
 * member could then fail to bind at random) and ports another process listens on.
 */
async function checkPorts(cluster: ClusterContext, state: ClusterState): Promise<void> {
  const ports = cluster.topology.all.flatMap(memberPorts);
  const [low, high] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '0 0')).trim().split(/\s+/).map(Number);
  const ephemeral = ports.filter((p) => p >= low! && p <= high!);
  if (ephemeral.length > 0) {
    throw new Error(
      `cluster.basePort ${cluster.settings.basePort} puts ports ${Math.min(...ephemeral)}-${Math.max(...ephemeral)} inside the kernel's ephemeral range ${low}-${high}; ` +
        `choose a JIVS_CLUSTER_BASE_PORT from 1024 to ${low! - 1 - (Math.max(...ports) - cluster.settings.basePort)}`,
    );
  }
  for (const member of cluster.topology.all) {
    if (await isAlive(state.members[member.name]?.pid)) continue;
    for (const port of memberPorts(member)) {
      if (!(await portFree(port))) {
        throw new Error(`port ${port} for ${member.name} is already in use by another process; stop it or set JIVS_CLUSTER_BASE_PORT`);
      }
    }
  }
}

/**
 * Start order: each tier waits for the one before it to be healthy. `down` is the reverse.
 * Exporters come after what they watch; Prometheus after the Alertmanagers it alerts to.
 */
const TIERS: MemberKind[] = ['etcd', 'patroni', 'haproxy', 'pgbouncer', 'redis', 'sentinel', 'app', 'exporter', 'alertmanager', 'prometheus'];

export interface MemberStatus {
  name: string;
  kind: MemberKind;
  zone: string;
  port: number;
  pid: number | null;
  running: boolean;
  healthy: boolean;
  role: string | null;
  lag: number | null;
  detail: string | null;
}

export interface ClusterOptions {
  config: Config;
  log: Logger;
  onStep?: (message: string) => void;
}

/** The cluster of `config`: its directory (created if missing), topology and secrets. */
export async function clusterContext(config: Config): Promise<ClusterContext> {
  const dir = path.resolve(config.cluster.dir ?? path.join(config.dataDir, 'cluster'));
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return {
    config,
    settings: config.cluster,
    dir,
    topology: topology({ basePort: config.cluster.basePort, dir }),
    secrets: await loadClusterSecrets(dir),
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Refuses a member directory that belongs to someone else (it would fail later, obscurely). */
async function checkOwner(member: Member, identity: OsIdentity | undefined): Promise<void> {
  const info = await stat(member.dir).catch(() => undefined);
  const expected = identity?.uid ?? process.getuid?.();
  if (info && expected !== undefined && info.uid !== expected && member.kind !== 'app') {
    throw new Error(
      `${member.dir} belongs to uid ${info.uid}, not to ${identity?.name ?? 'this user'} (uid ${expected}); ` +
        `fix it (chown -R ${identity?.name ?? expected} ${member.dir}) or choose another JIVS_CLUSTER_DIR`,
    );
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000} s; see \`jivs cluster logs\``);
}

/** Creates or updates a login role with its password. */
async function ensureRole(client: pg.Client, name: string, password: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  await client.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${client.escapeIdentifier(name)} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
}

/**
 * Creates the app's role and database and the exporters' read-only `jivs_monitor` role on the
 * primary, idempotently (here rather than in Patroni's bootstrap, which runs only on a new
 * cluster and cannot grant pg_monitor).
 */
async function ensureRoles(cluster: ClusterContext): Promise<void> {
  const haproxy = cluster.topology.haproxy[0]!;
  const client = new pg.Client({
    host: '127.0.0.1',
    port: haproxy.ports.write,
    user: 'postgres',
    password: cluster.secrets.postgresSuperuser,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await ensureRole(client, 'jivs_app', cluster.secrets.appDatabase);
    const { rowCount: db } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'jivs'");
    if (!db) await client.query('CREATE DATABASE jivs OWNER jivs_app');
    await ensureRole(client, 'jivs_monitor', cluster.secrets.postgresMonitoring);
    await client.query('GRANT pg_monitor TO jivs_monitor');
  } finally {
    await client.end();
  }
}

/**
 * Member → probe, with the replication lag of PostgreSQL nodes from Patroni's cluster view;
 * only the members of `kinds` when given.
 */
async function probeAll(cluster: ClusterContext, state: ClusterState, kinds?: readonly MemberKind[]): Promise<MemberStatus[]> {
  const members = kinds ? cluster.topology.all.filter((m) => kinds.includes(m.kind)) : cluster.topology.all;
  const lags = new Map<string, number>();
  for (const node of members.some((m) => m.kind === 'patroni') ? cluster.topology.postgres : []) {
    const view = await getJson<{ members?: Array<{ name: string; lag?: number | string }> }>(
      `http://127.0.0.1:${node.port}/cluster`,
    ).catch(() => undefined);
    if (view?.body?.members) {
      for (const m of view.body.members) if (typeof m.lag === 'number') lags.set(m.name, m.lag);
      break;
    }
  }
  return Promise.all(
    members.map(async (member) => {
      const pid = state.members[member.name]?.pid ?? null;
      const running = await isAlive(pid ?? undefined);
      const probe: Probe = running ? await ENGINES[member.kind].probe(member, cluster) : { healthy: false, detail: 'not running' };
      return {
        name: member.name,
        kind: member.kind,
        zone: member.zone,
        port: member.port,
        pid,
        running,
        healthy: probe.healthy,
        role: probe.role ?? null,
        lag: lags.get(member.name) ?? probe.lag ?? null,
        detail: probe.detail ?? null,
      };
    }),
  );
}

/**
 * `jivs cluster up`: starts every member that is not running, tier by tier, waiting for each
 * tier to be healthy. Running it again starts only what is missing.
 */
export async function clusterUp(options: ClusterOptions): Promise<{ dir: string; adminPassword: string; members: MemberStatus[] }> {
  const step = options.onStep ?? (() => undefined);
  const missing = await missingEngines();
  if (missing.length > 0) {
    throw new Error(`engines are missing: ${missing.join(', ')}; install them with: apt-get install -y ${missing.join(' ')} (or bash scripts/install-engines.sh)`);
  }
  const cluster = await clusterContext(options.config);
  const identity = await serviceIdentity(cluster.settings.osUser, options.log);
  if (identity) await checkTraversable(cluster.dir, identity);
  return withClusterLock(cluster.dir, 'up', async () => {
    const state = await readState(cluster.dir);
    await checkPorts(cluster, state);
    for (const kind of TIERS) {
      const members = cluster.topology.all.filter((m) => m.kind === kind);
      for (const member of members) {
        if (await isAlive(state.members[member.name]?.pid)) continue;
        await checkOwner(member, identity);
        const spec = await ENGINES[kind].prepare(member, cluster).catch(async (e: unknown) => {
          // A refused configuration (promtool, amtool) must not leave a directory the next `up` refuses too.
          if (identity && member.kind !== 'app') await chownTree(member.dir, identity).catch(() => undefined);
          throw e;
        });
        const asUser = spec.asEngineUser ? identity : undefined;
        if (asUser) await chownTree(member.dir, asUser);
        const pid = launch(spec.command, spec.args, {
          cwd: member.dir,
          logFile: path.join(cluster.dir, `${member.name}.log`),
          ...(spec.env ? { env: spec.env } : {}),
          ...(asUser ? { identity: asUser } : {}),
        });
        state.members[member.name] = { pid, startedAt: new Date().toISOString() };
        await writeState(cluster.dir, state);
        step(`started ${member.name} (zone ${member.zone}, port ${member.port}, pid ${pid})`);
      }
      step(`waiting for ${kind} to be healthy`);
      await waitFor(
        kind,
        async () => {
          const probes = await Promise.all(members.map((m) => ENGINES[kind].probe(m, cluster)));
          if (kind === 'patroni' && !probes.some((p) => p.role === 'leader')) return false;
          return probes.every((p) => p.healthy);
        },
        kind === 'patroni' || kind === 'app' ? 180_000 : 60_000,
      );
      if (kind === 'haproxy') {
        step('ensuring the app and monitoring roles and the app database on the primary');
        await ensureRoles(cluster);
      }
    }
    step('waiting for every front end to route to the app tier');
    await waitFor(
      'the front ends',
      async () => {
        const answers = await Promise.all(
          cluster.topology.haproxy.map((h) =>
            getJson(`http://127.0.0.1:${h.ports.front}/health/readiness`).then((r) => r.status === 200),
          ),
        );
        return answers.every(Boolean);
      },
      60_000,
    );
    step('every member is healthy');
    return { dir: cluster.dir, adminPassword: cluster.secrets.adminPassword, members: await probeAll(cluster, state) };
  });
}

async function chownTree(dir: string, identity: OsIdentity): Promise<void> {
  await chown(dir, identity.uid, identity.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, identity);
    else await chown(full, identity.uid, identity.gid);
  }
}

/** PID of a PostgreSQL postmaster under a node's data directory (it can outlive a killed Patroni). */
async function postmasterPid(member: Member): Promise<number | undefined> {
  const text = await readFile(path.join(member.dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

/**
 * Node loss, for fault tests: SIGKILLs a PostgreSQL node's Patroni and its PostgreSQL together
 * (Patroni alone would leave PostgreSQL running). `node` is the member as status reports it.
 */
export async function killNode(nodes: Topology, node: Pick<MemberStatus, 'name' | 'pid'>): Promise<void> {
  const member = nodes.postgres.find((m) => m.name === node.name);
  const postmaster = member && (await postmasterPid(member));
  if (!node.pid || !postmaster) {
    throw new Error(`${node.name} is not a running PostgreSQL node (Patroni pid ${node.pid}, postmaster pid ${postmaster})`);
  }
  process.kill(node.pid, 'SIGKILL');
  process.kill(postmaster, 'SIGKILL');
}

/** `jivs cluster down`: stops what `up` started, by PID, in reverse order; `wipe` removes the data. */
export async function clusterDown(options: ClusterOptions & { wipe: boolean }): Promise<{ stopped: string[] }> {
  const step = options.onStep ?? (() => undefined);
  const cluster = await clusterContext(options.config);
  return withClusterLock(cluster.dir, 'down', async () => {
    const state = await readState(cluster.dir);
    const stopped: string[] = [];
    for (const kind of [...TIERS].reverse()) {
      const members = cluster.topology.all.filter((m) => m.kind === kind);
      await Promise.all(
        members.map(async (member) => {
          const entry = state.members[member.name];
          if (entry && (await isAlive(entry.pid))) {
            await stopProcess(entry.pid, 'SIGTERM');
            stopped.push(member.name);
            step(`stopped ${member.name} (pid ${entry.pid})`);
          }
          if (kind === 'patroni') {
            // A Patroni killed with SIGKILL leaves its PostgreSQL running: stop that too.
            const pid = await postmasterPid(member);
            if (pid && (await isAlive(pid))) {
              await stopProcess(pid, 'SIGINT');
              step(`stopped ${member.name}'s PostgreSQL (pid ${pid})`);
            }
          }
          delete state.members[member.name];
        }),
      );
      await writeState(cluster.dir, state);
    }
    if (options.wipe) {
      for (const member of cluster.topology.all) await rm(member.dir, { recursive: true, force: true });
      await rm(cluster.dir, { recursive: true, force: true });
      step(`wiped ${cluster.dir}`);
    }
    return { stopped };
  });
}

/** `--kind patroni,redis`: member kinds, refusing an unknown one with the list of known ones. */
export function parseMemberKinds(text: string): MemberKind[] {
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(TIERS as string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new Error(`unknown member kind ${unknown.join(', ') || '(none given)'}; kinds: ${TIERS.join(', ')}`);
  }
  return kinds as MemberKind[];
}

/**
 * `jivs cluster status`: every member's role, zone, health, lag, PID and port; only those of
 * `kinds` when given (a poll of Patroni then probes neither the exporters nor their /metrics).
 */
export async function clusterStatus(config: Config, filter: { kinds?: readonly MemberKind[] } = {}): Promise<MemberStatus[]> {
  const cluster = await clusterContext(config);
  return probeAll(cluster, await readState(cluster.dir), filter.kinds);
}

/** `jivs cluster logs`: the last lines of one member's log, or of every member's. */
export async function clusterLogs(config: Config, member: string | undefined, lines: number): Promise<Record<string, string[]>> {
  const cluster = await clusterContext(config);
  const names = member ? [member] : cluster.topology.all.map((m) => m.name);
  const unknown = names.filter((n) => !cluster.topology.all.some((m) => m.name === n));
  if (unknown.length > 0) {
    throw new Error(`no member ${unknown.join(', ')}; members: ${cluster.topology.all.map((m) => m.name).join(', ')}`);
  }
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const text = await readFile(path.join(cluster.dir, `${name}.log`), 'utf8').catch(() => '');
    out[name] = text.split('\n').filter(Boolean).slice(-lines);
  }
  return out;
}

