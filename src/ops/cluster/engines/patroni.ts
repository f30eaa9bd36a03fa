import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member, PostgresNode } from '../topology.ts';
import { getJson, probeOrDown } from './probes.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * The plan's postgresql.conf (seed 000, 2.2.1) scaled to four nodes sharing one 2-core, 24 GiB
 * machine with everything else: memory settings divided by ~32 (8 GB shared_buffers on a 32 GB
 * host → 256 MB here), WAL sizes by 4; connection, checkpoint, replication and logging settings
 * as in the plan. synchronous_commit stays on (the plan's `off` can lose acknowledged writes on a
 * crash); cross-node RPO 0 is Patroni's synchronous_mode.
 */
export const POSTGRES_PARAMETERS = {
  max_connections: 200,
  shared_buffers: '256MB',
  effective_cache_size: '1GB',
  work_mem: '16MB',
  maintenance_work_mem: '128MB',
  checkpoint_timeout: '15min',
  max_wal_size: '1GB',
  min_wal_size: '256MB',
  checkpoint_completion_target: 0.9,
  wal_level: 'replica',
  wal_log_hints: 'on',
  max_wal_senders: 10,
  max_replication_slots: 10,
  wal_keep_size: '256MB',
  hot_standby: 'on',
  hot_standby_feedback: 'on',
  max_standby_streaming_delay: '30s',
  wal_receiver_status_interval: '1s',
  log_min_duration_statement: 1000,
  log_connections: 'on',
  log_disconnections: 'on',
  log_lock_waits: 'on',
  password_encryption: 'scram-sha-256',
};

const isPostgresNode = (m: Member): m is PostgresNode => m.kind === 'patroni';

function patroniConfig(node: PostgresNode, cluster: ClusterContext) {
  const { settings, secrets, topology } = cluster;
  return {
    scope: 'jivs',
    namespace: '/jivs/',
    name: node.name,
    log: { level: 'INFO' },
    restapi: { listen: `127.0.0.1:${node.port}`, connect_address: `127.0.0.1:${node.port}` },
    etcd3: { hosts: topology.etcd.map((m) => `127.0.0.1:${m.port}`) },
    bootstrap: {
      dcs: {
        ttl: settings.ttlSeconds,
        loop_wait: settings.loopWaitSeconds,
        retry_timeout: settings.retryTimeoutSeconds,
        maximum_lag_on_failover: settings.replicaLagLimitBytes,
        synchronous_mode: settings.synchronousMode,
        postgresql: { use_pg_rewind: true, use_slots: true, parameters: POSTGRES_PARAMETERS },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums'],
    },
    postgresql: {
      listen: `127.0.0.1:${node.pgPort}`,
      connect_address: `127.0.0.1:${node.pgPort}`,
      data_dir: path.join(node.dir, 'data'),
      bin_dir: PG_BIN,
      pgpass: path.join(node.dir, 'pgpass'),
      authentication: {
        superuser: { username: 'postgres', password: secrets.postgresSuperuser },
        replication: { username: 'replicator', password: secrets.postgresReplication },
        rewind: { username: 'rewinder', password: secrets.postgresRewind },
      },
      // jivs.node_name lets a client see which node answered (the app's /health and replica metrics).
      parameters: { unix_socket_directories: node.dir, 'jivs.node_name': node.name },
      pg_hba: [
        'local all all trust',
        'host replication replicator 127.0.0.1/32 scram-sha-256',
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    },
    tags: {
      zone: node.zone,
      // The analytics replica serves only analytics: never primary, never in the read pool,
      // never a synchronous standby.
      nofailover: node.analytics,
      noloadbalance: node.analytics,
      nosync: node.analytics,
      clonefrom: false,
    },
  };
}

interface PatroniStatus {
  state?: string;
  role?: string;
}

/** Patroni x4 managing PostgreSQL 15: one primary, two read replicas, one analytics replica. */
export const patroniEngine: Engine = {
  kind: 'patroni',
  async prepare(member, cluster) {
    if (!isPostgresNode(member)) throw new Error(`${member.name} is not a PostgreSQL node`);
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    const file = path.join(member.dir, 'patroni.yml');
    await writeFile(file, stringify(patroniConfig(member, cluster)), { mode: 0o600 });
    return { command: '/usr/bin/patroni', args: [file], asEngineUser: true };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const { body } = await getJson<PatroniStatus>(`http://127.0.0.1:${member.port}/patroni`);
      const role = body?.role === 'master' || body?.role === 'primary' ? 'leader' : body?.role;
      return { healthy: body?.state === 'running', ...(role ? { role } : {}), detail: body?.state ?? 'no answer' };
    }),
};
