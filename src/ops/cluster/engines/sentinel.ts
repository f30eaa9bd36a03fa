import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { probeOrDown } from './probes.ts';
import { withRedis } from './redis-client.ts';
import { REDIS_MASTER_NAME } from './redis.ts';
import { writeOnce } from './write-once.ts';

/** The plan's sentinel.conf (seed 000, 2.3.1): quorum 2 of 3, down-after 5 s, failover-timeout 30 s. */
function sentinelConfig(member: Member, cluster: ClusterContext): string {
  const master = cluster.topology.redis[0]!;
  const name = REDIS_MASTER_NAME;
  return `# Rendered by jivs cluster for ${member.name}; Sentinel rewrites this file.
port ${member.port}
bind 127.0.0.1
dir ${member.dir}
daemonize no
sentinel resolve-hostnames no
sentinel announce-ip 127.0.0.1
sentinel monitor ${name} 127.0.0.1 ${master.port} 2
sentinel auth-pass ${name} ${cluster.secrets.redis}
sentinel down-after-milliseconds ${name} ${cluster.settings.sentinelDownAfterMs}
sentinel parallel-syncs ${name} 1
sentinel failover-timeout ${name} 30000
sentinel deny-scripts-reconfig yes
`;
}

/** Redis Sentinel x3. */
export const sentinelEngine: Engine = {
  kind: 'sentinel',
  async prepare(member, cluster) {
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    const file = path.join(member.dir, 'sentinel.conf');
    await writeOnce(file, () => sentinelConfig(member, cluster));
    return { command: '/usr/bin/redis-sentinel', args: [file], asEngineUser: true };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const raw = (await withRedis(member.port, undefined, (r) => r.call('SENTINEL', 'master', REDIS_MASTER_NAME))) as string[];
      const fields = Object.fromEntries(raw.flatMap((v, i) => (i % 2 === 0 ? [[v, raw[i + 1]]] : [])));
      const others = Number(fields['num-other-sentinels'] ?? 0);
      return {
        healthy: fields.flags === 'master' && others >= 2,
        role: 'sentinel',
        detail: `master ${fields.ip}:${fields.port}, sees ${others} other sentinels`,
      };
    }),
};
