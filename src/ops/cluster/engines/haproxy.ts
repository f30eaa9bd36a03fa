import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { getJson, probeOrDown } from './probes.ts';

/** How HAProxy checks the app instances' readiness. */
const APP_CHECK = { intervalSeconds: 1, fall: 2, timeoutSeconds: 2 };

/**
 * The longest a front end can keep sending new requests to an instance after its readiness
 * turned 503: `fall` failed checks, each up to an interval plus its timeout apart, and one
 * second to spare. An instance told to stop keeps serving this long before it closes.
 */
export const appDrainSeconds = APP_CHECK.fall * (APP_CHECK.intervalSeconds + APP_CHECK.timeoutSeconds) + 1;

function haproxyConfig(member: Member, cluster: ClusterContext): string {
  const { postgres, app } = cluster.topology;
  const data = postgres.filter((n) => !n.analytics);
  const analytics = postgres.filter((n) => n.analytics);
  const servers = (nodes: typeof postgres, extra = '') =>
    nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.pgPort} check port ${n.port}${extra}`).join('\n');
  const lag = cluster.settings.replicaLagLimitBytes;
  // Database backends drop sessions to a node marked down so clients reconnect to the new primary at once.
  const dbChecks = '  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions';
  // A node that is down in the write backend is checked 4x a second, so a freshly promoted
  // primary takes writes within 250 ms of Patroni saying so instead of up to a second later.
  const primaryChecks = `${dbChecks} downinter 250ms`;
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
${primaryChecks}
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
  timeout check ${APP_CHECK.timeoutSeconds}s
  option httpchk GET /health/readiness
  http-check expect status 200
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  # No shutdown-sessions here: a request in flight on an instance going away must finish.
  default-server inter ${APP_CHECK.intervalSeconds}s fall ${APP_CHECK.fall} rise 2
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
