import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine, LaunchSpec } from '../engine.ts';
import type { ExporterJob, ExporterMember, Member } from '../topology.ts';
import { DEPLOY_DIR } from './deploy.ts';
import { probeOrDown } from './probes.ts';

const isExporter = (m: Member): m is ExporterMember => m.kind === 'exporter';

/** The node exporter's collectors: what the node alerts and dashboards read, and no more (it shares 2 cores). */
const NODE_COLLECTORS = ['cpu', 'meminfo', 'filesystem', 'loadavg', 'diskstats', 'netdev'];

/** The metric in which an exporter says whether it reaches what it watches. */
const REACHES: Partial<Record<ExporterJob, string>> = { postgres: 'pg_up', redis: 'redis_up', sentinel: 'redis_up' };

const PGBOUNCER_EXPORTER = path.join(import.meta.dirname, 'pgbouncer-exporter.py');

/** The rules' own postgres_exporter queries (per-index statistics). */
const POSTGRES_QUERIES = path.join(DEPLOY_DIR, 'prometheus', 'postgres-exporter-queries.yml');

/** A copy the engine user can read (the repository may not be). */
async function copyQueries(member: ExporterMember): Promise<string> {
  const copy = path.join(member.dir, 'queries.yml');
  await copyFile(POSTGRES_QUERIES, copy);
  return copy;
}

/** Passwords travel in the environment (readable only by the engine user), never on a command line. */
async function launchSpec(member: ExporterMember, cluster: ClusterContext): Promise<LaunchSpec> {
  const { secrets, topology } = cluster;
  const listen = `127.0.0.1:${member.port}`;
  const watched = member.watches?.port;
  switch (member.job) {
    case 'postgres': {
      const node = topology.postgres.find((n) => n === member.watches)!;
      // The app's database: per-index statistics exist only in the database a session is in.
      const dsn = `postgresql://jivs_monitor:${encodeURIComponent(secrets.postgresMonitoring)}@127.0.0.1:${node.pgPort}/jivs?sslmode=disable`;
      return {
        command: '/usr/bin/prometheus-postgres-exporter',
        args: [`--web.listen-address=${listen}`, `--extend.query-path=${await copyQueries(member)}`],
        env: { DATA_SOURCE_NAME: dsn },
        asEngineUser: true,
      };
    }
    case 'redis':
    case 'sentinel':
      return {
        command: '/usr/bin/prometheus-redis-exporter',
        args: [`--redis.addr=redis://127.0.0.1:${watched}`, `--web.listen-address=${listen}`],
        // Sentinels take no password; Redis nodes do.
        env: member.job === 'redis' ? { REDIS_PASSWORD: secrets.redis } : {},
        asEngineUser: true,
      };
    case 'pgbouncer': {
      // Debian's exporter needs a compatibility shim for PgBouncer 1.18 (see the script).
      const script = path.join(member.dir, 'pgbouncer-exporter.py');
      await copyFile(PGBOUNCER_EXPORTER, script);
      return {
        command: '/usr/bin/python3',
        args: [script, '--host', '127.0.0.1', '--port', String(member.port), '--pgbouncer-host', '127.0.0.1', '--pgbouncer-port', String(watched), '--pgbouncer-user', 'postgres'],
        env: { PGPASSWORD: secrets.postgresSuperuser },
        asEngineUser: true,
      };
    }
    case 'node':
      return {
        command: '/usr/bin/prometheus-node-exporter',
        args: [`--web.listen-address=${listen}`, '--collector.disable-defaults', ...NODE_COLLECTORS.map((c) => `--collector.${c}`)],
        asEngineUser: true,
      };
  }
}

/**
 * The exporters: postgres_exporter per PostgreSQL node, redis_exporter per Redis node and per
 * Sentinel, the PgBouncer exporter per PgBouncer, one node exporter. Healthy when `/metrics`
 * answers and, where the exporter says so, it reaches what it watches.
 */
export const exporterEngine: Engine = {
  kind: 'exporter',
  async prepare(member, cluster) {
    if (!isExporter(member)) throw new Error(`${member.name} is not an exporter`);
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    return launchSpec(member, cluster);
  },
  probe: (member) =>
    probeOrDown(async () => {
      if (!isExporter(member)) throw new Error(`${member.name} is not an exporter`);
      const res = await fetch(`http://127.0.0.1:${member.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      const metric = REACHES[member.job];
      const value = metric ? new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1] : undefined;
      return {
        healthy: res.ok && (!metric || value === '1'),
        role: member.job,
        detail: `${member.watches?.name ?? 'this machine'}${metric ? `, ${metric} ${value ?? 'missing'}` : ''}`,
      };
    }),
};
