import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { probeOrDown, tcpProbe } from './probes.ts';

/** The zone's HAProxy, which this PgBouncer sends its pools through. */
const zoneHaproxy = (member: Member, cluster: ClusterContext) =>
  cluster.topology.haproxy.find((h) => h.zone === member.zone)!;

/** The alias of one PostgreSQL node: the app routes its reads itself, by each replica's lag. */
export const nodeAlias = (node: string) => `jivs_${node.replaceAll('-', '_')}`;

/**
 * The plan's PgBouncer (seed 000, 2.2.2) as a sidecar of each app instance, so it is never a
 * single point of failure: its databases are the plan's aliases, pointed at the zone's HAProxy
 * ports (which follow Patroni's primary) instead of fixed hosts. Pool sizes are scaled down with
 * max_connections (100 → 20 per database, reserve 25 → 5). query_timeout is 0 instead of 30 s:
 * statement timeouts are set per role by the app, and bulk copies must not be cut at 30 s.
 */
function pgbouncerConfig(member: Member, cluster: ClusterContext): string {
  const h = zoneHaproxy(member, cluster);
  const db = (port: number) => `host=127.0.0.1 port=${port} dbname=jivs pool_size=20`;
  return `;; Rendered by jivs cluster for ${member.name}; do not edit.
[databases]
jivs_primary = ${db(h.ports.write!)}
jivs_replica = ${db(h.ports.read!)}
jivs_analytics = ${db(h.ports.analytics!)}
${cluster.topology.postgres.map((n) => `${nodeAlias(n.name)} = ${db(n.pgPort)}`).join('\n')}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${member.port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${path.join(member.dir, 'userlist.txt')}
admin_users = postgres
stats_users = postgres
pool_mode = session
max_client_conn = 2000
default_pool_size = 20
reserve_pool_size = 5
server_idle_timeout = 600
server_lifetime = 3600
server_connect_timeout = 15
; After a failed server login PgBouncer waits this long before trying again (default 15 s):
; during a failover that would hold clients well past the new primary being ready.
server_login_retry = 1
query_timeout = 0
; A client waiting for a server connection to a dead node is told so after 5 s (default 120 s):
; the app then reads from another replica, and writes retry through the failover.
query_wait_timeout = 5
logfile =
pidfile =
`;
}

export const pgbouncerEngine: Engine = {
  kind: 'pgbouncer',
  async prepare(member, cluster) {
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    const file = path.join(member.dir, 'pgbouncer.ini');
    await writeFile(file, pgbouncerConfig(member, cluster), { mode: 0o600 });
    const users = [
      ['jivs_app', cluster.secrets.appDatabase],
      ['postgres', cluster.secrets.postgresSuperuser],
    ];
    await writeFile(path.join(member.dir, 'userlist.txt'), users.map(([u, p]) => `"${u}" "${p}"`).join('\n') + '\n', {
      mode: 0o600,
    });
    return { command: '/usr/sbin/pgbouncer', args: [file], asEngineUser: true };
  },
  probe: (member) =>
    probeOrDown(async () => {
      await tcpProbe(member.port);
      return { healthy: true, role: 'pooler' };
    }),
};
