import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { probeOrDown } from './probes.ts';
import { info, withRedis } from './redis-client.ts';
import { writeOnce } from './write-once.ts';

export const REDIS_MASTER_NAME = 'jivs-redis';

/**
 * The plan's redis.conf (seed 000, 2.3.1): maxmemory with allkeys-lru (8 GB scaled to 256 MB),
 * RDB snapshots and AOF everysec, diskless replication, min-replicas-to-write 1.
 */
function redisConfig(member: Member, cluster: ClusterContext, master: Member | undefined): string {
  return `# Rendered by jivs cluster for ${member.name}; Redis and Sentinel may rewrite it.
port ${member.port}
bind 127.0.0.1
dir ${member.dir}
daemonize no
requirepass ${cluster.secrets.redis}
masterauth ${cluster.secrets.redis}
maxmemory 256mb
maxmemory-policy allkeys-lru
save 900 1
save 300 10
save 60 10000
dbfilename dump.rdb
rdbcompression yes
rdbchecksum yes
appendonly yes
appendfilename "appendonly.aof"
appendfsync everysec
no-appendfsync-on-rewrite no
auto-aof-rewrite-percentage 100
auto-aof-rewrite-min-size 64mb
repl-diskless-sync yes
repl-diskless-sync-delay 5
min-replicas-to-write 1
min-replicas-max-lag 10
replica-announce-ip 127.0.0.1
${master ? `replicaof 127.0.0.1 ${master.port}\n` : ''}`;
}

/** The master the Sentinels agree on now, if any Sentinel answers. */
async function currentMasterPort(cluster: ClusterContext): Promise<number | undefined> {
  for (const sentinel of cluster.topology.sentinel) {
    try {
      const addr = await withRedis(sentinel.port, undefined, (r) =>
        r.call('SENTINEL', 'get-master-addr-by-name', REDIS_MASTER_NAME),
      );
      if (Array.isArray(addr) && addr.length === 2) return Number(addr[1]);
    } catch {
      // that Sentinel is down; ask the next
    }
  }
  return undefined;
}

/** Redis x3: master in zone a, replicas in b and c at first; Sentinel moves the master later. */
export const redisEngine: Engine = {
  kind: 'redis',
  async prepare(member, cluster) {
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    const file = path.join(member.dir, 'redis.conf');
    const [first] = cluster.topology.redis;
    const exists = await writeOnce(file, () => redisConfig(member, cluster, member === first ? undefined : first));
    // A member restarted after a failover must rejoin as a replica of the current master, or it
    // would come back as an empty second master (DESIGN: pitfalls).
    const master = exists ? await currentMasterPort(cluster) : undefined;
    const args = [file, ...(master && master !== member.port ? ['--replicaof', '127.0.0.1', String(master)] : [])];
    return { command: '/usr/bin/redis-server', args, asEngineUser: true };
  },
  probe: (member, cluster) =>
    probeOrDown(async () => {
      const replication = await withRedis(member.port, cluster.secrets.redis, (r) => info(r, 'replication'));
      const role = replication.role === 'master' ? 'master' : 'replica';
      const healthy = role === 'master' || replication.master_link_status === 'up';
      return { healthy, role, detail: role === 'master' ? `${replication.connected_slaves} replicas` : `link ${replication.master_link_status}` };
    }),
};
