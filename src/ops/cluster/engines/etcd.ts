import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../engine.ts';
import { getJson, probeOrDown } from './probes.ts';

/** etcd x3: the DCS Patroni keeps its leader key in. */
export const etcdEngine: Engine = {
  kind: 'etcd',
  async prepare(member, cluster) {
    await mkdir(path.join(member.dir, 'data'), { recursive: true, mode: 0o700 });
    const peers = cluster.topology.etcd.map((m) => `${m.name}=http://127.0.0.1:${m.ports.peer}`).join(',');
    return {
      command: '/usr/bin/etcd',
      asEngineUser: true,
      args: [
        `--name=${member.name}`,
        `--data-dir=${path.join(member.dir, 'data')}`,
        `--listen-client-urls=http://127.0.0.1:${member.port}`,
        `--advertise-client-urls=http://127.0.0.1:${member.port}`,
        `--listen-peer-urls=http://127.0.0.1:${member.ports.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${member.ports.peer}`,
        `--initial-cluster=${peers}`,
        '--initial-cluster-token=jivs',
        '--initial-cluster-state=new',
        // Metrics on the client port; fast local heartbeats keep leader changes short.
        '--heartbeat-interval=100',
        '--election-timeout=1000',
        '--logger=zap',
        '--log-outputs=stderr',
      ],
    };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const { body } = await getJson<{ health?: string }>(`http://127.0.0.1:${member.port}/health`);
      return { healthy: body?.health === 'true', role: 'member' };
    }),
};
