import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { getJson, probeOrDown } from './probes.ts';

function haproxyConfig(member: Member, cluster: ClusterContext): string {
  const { postgres, app } = cluster.topology;
  const data = postgres.filter((n) => !n.analytics);
  const analytics = postgres.filter((n) => n.analytics);
  const servers = (nodes: typeof postgres, extra = '') =>
    nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.pgPort} check port ${n.port}${extra}`).join('\n');
  const lag = cluster.settings.replicaLagLimitBytes;
  // Database backends drop sessions to a node marked down so clients reconnect to the new primary at once.
  const dbChecks = '  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions';
  return `# Rendered by jivs cluster for ${member.name} (zone ${member.zone}); do not edit.
global
  maxconn 4000
  log stderr format raw local0 notice

defaults
  log global
  mode tcp
  # A dead backend costs one connect timeout per retry: keep it short (DESIGN: 250 ms).
  timeout connect 250ms
  timeout client 30m
  timeout server 30m
  timeout check 1s
  retries 3

# Writes: whichever node Patroni says is the primary.
frontend write
  bind 127.0.0.1:${member.ports.write}
  default_backend primary
backend primary
  option httpchk GET /primary
${dbChecks}
  http-check expect status 200
${servers(data)}

# Reads: replicas within the lag limit, round-robin; the primary when none is left.
frontend read
  bind 127.0.0.1:${member.ports.read}
  use_backend replicas if { nbsrv(replicas) gt 0 }
  default_backend primary
backend replicas
  balance roundrobin
  option httpchk GET /replica?lag=${lag}
${dbChecks}
  http-check expect status 200
${servers(data)}

# Analytics: the analytics replica; a read replica when it is down; never the primary.
frontend analytics
  bind 127.0.0.1:${member.ports.analytics}
  use_backend analytics_replica if { nbsrv(analytics_replica) gt 0 }
  default_backend replicas
backend analytics_replica
  option httpchk GET /health
${dbChecks}
  http-check expect status 200
${servers(analytics)}

# The app tier: instances that say they are ready; a request that meets a dying instance is retried on another.
frontend front
  mode http
  bind 127.0.0.1:${member.ports.front}
  timeout client 60s
  default_backend apps
backend apps
  mode http
  balance roundrobin
  timeout server 60s
  timeout check 2s
  option httpchk GET /health/readiness
  http-check expect status 200
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  # No shutdown-sessions here: a request in flight on an instance going away must finish.
  default-server inter 1s fall 2 rise 2
${app.map((a) => `  server ${a.name} 127.0.0.1:${a.port} check`).join('\n')}

frontend stats
  mode http
  bind 127.0.0.1:${member.port}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /
  stats refresh 5s
`;
}

/** HAProxy, one per zone: database write/read/analytics ports and the app front end. */
export const haproxyEngine: Engine = {
  kind: 'haproxy',
  async prepare(member, cluster) {
    await mkdir(member.dir, { recursive: true });
    const file = path.join(member.dir, 'haproxy.cfg');
    await writeFile(file, haproxyConfig(member, cluster));
    return { command: '/usr/sbin/haproxy', args: ['-W', '-db', '-f', file], asEngineUser: true };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const { status } = await getJson(`http://127.0.0.1:${member.port}/metrics`);
      return { healthy: status === 200, role: 'balancer' };
    }),
};
