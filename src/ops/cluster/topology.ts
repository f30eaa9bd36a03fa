import path from 'node:path';

export type Zone = 'a' | 'b' | 'c';
export const ZONES: readonly Zone[] = ['a', 'b', 'c'];

export type MemberKind =
  | 'etcd'
  | 'patroni'
  | 'haproxy'
  | 'pgbouncer'
  | 'redis'
  | 'sentinel'
  | 'app'
  | 'exporter'
  | 'alertmanager'
  | 'prometheus';

/** One process of the local HA cluster. */
export interface Member {
  name: string;
  kind: MemberKind;
  zone: Zone;
  /** The port clients use (etcd client, Patroni REST, Redis, ...). */
  port: number;
  /** Further ports the member listens on, by purpose. */
  ports: Record<string, number>;
  /** Its own directory for data, config and logs. */
  dir: string;
}

export interface PostgresNode extends Member {
  kind: 'patroni';
  /** PostgreSQL's port (Patroni's REST API is `port`). */
  pgPort: number;
  /** The analytics replica never becomes primary and never serves ordinary reads. */
  analytics: boolean;
}

/** The scrape jobs served by an exporter process (the others are scraped on the member itself). */
export type ExporterJob = 'postgres' | 'pgbouncer' | 'redis' | 'sentinel' | 'node';

export interface ExporterMember extends Member {
  kind: 'exporter';
  job: ExporterJob;
  /** The member it exports, whose name and zone label its metrics; none for the node exporter (the machine). */
  watches?: Member;
}

export interface TopologySettings {
  basePort: number;
  dir: string;
}

/**
 * The local topology, every tier spread over zones a, b, c, all on 127.0.0.1. Ports are
 * `basePort` plus a fixed offset per member, so none is an engine's standard port:
 *
 * | offset | members |
 * |---|---|
 * | +0..2 / +10..12 | etcd client / peer |
 * | +20..23 / +30..33 | Patroni REST / PostgreSQL (pg-a, pg-b, pg-c, pg-analytics) |
 * | +40..42 | PgBouncer, one beside each app instance |
 * | +50..53 | postgres_exporter (pg-a, pg-b, pg-c, pg-analytics) |
 * | +54..56 / +57 | PgBouncer exporters / node exporter |
 * | +60..62 / +63..65 | redis_exporter for Redis / for Sentinel |
 * | +70..72 / +80..82 | Redis / Sentinel |
 * | +90..92 | app instances |
 * | +100.., +110.., +120.. | HAProxy per zone: +0 write, +1 read, +2 analytics, +3 app front end, +9 stats |
 * | +130..131 | Prometheus a, b |
 * | +132..133 / +134..135 | Alertmanager a, b: web / cluster gossip (TCP and UDP) |
 *
 * Free: +58..59, +66..69, +136..139.
 */
export function topology({ basePort: b, dir }: TopologySettings) {
  const member = (name: string, kind: MemberKind, zone: Zone, port: number, ports: Record<string, number> = {}): Member => ({
    name,
    kind,
    zone,
    port,
    ports,
    dir: path.join(dir, name),
  });
  const etcd = ZONES.map((z, i) => member(`etcd-${z}`, 'etcd', z, b + i, { peer: b + 10 + i }));
  const postgres: PostgresNode[] = [
    ...ZONES.map((z, i) => ({ ...member(`pg-${z}`, 'patroni', z, b + 20 + i), kind: 'patroni' as const, pgPort: b + 30 + i, analytics: false })),
    { ...member('pg-analytics', 'patroni', 'a', b + 23), kind: 'patroni' as const, pgPort: b + 33, analytics: true },
  ];
  // One HAProxy per zone: the zone's PgBouncer routes through it, and each is a front end for
  // the app tier, so losing one costs one zone's path, never the cluster's.
  const haproxy = ZONES.map((z, i) => {
    const p = b + 100 + 10 * i;
    return member(`haproxy-${z}`, 'haproxy', z, p + 9, { write: p, read: p + 1, analytics: p + 2, front: p + 3 });
  });
  const pgbouncer = ZONES.map((z, i) => member(`pgbouncer-${z}`, 'pgbouncer', z, b + 40 + i));
  const redis = ZONES.map((z, i) => member(`redis-${z}`, 'redis', z, b + 70 + i));
  const sentinel = ZONES.map((z, i) => member(`sentinel-${z}`, 'sentinel', z, b + 80 + i));
  const app = ZONES.map((z, i) => member(`app-${z}`, 'app', z, b + 90 + i));
  const exporter = (job: ExporterJob, watches: Member, port: number): ExporterMember => ({
    ...member(`${watches.name}-exporter`, 'exporter', watches.zone, port),
    kind: 'exporter',
    job,
    watches,
  });
  const exporters: ExporterMember[] = [
    ...postgres.map((n, i) => exporter('postgres', n, b + 50 + i)),
    ...pgbouncer.map((p, i) => exporter('pgbouncer', p, b + 54 + i)),
    { ...member('node-exporter', 'exporter', 'a', b + 57), kind: 'exporter', job: 'node' },
    ...redis.map((r, i) => exporter('redis', r, b + 60 + i)),
    ...sentinel.map((s, i) => exporter('sentinel', s, b + 63 + i)),
  ];
  // Two of each, active-active: both Prometheus scrape everything and alert to both Alertmanagers.
  const pair = ZONES.slice(0, 2);
  const alertmanager = pair.map((z, i) => member(`alertmanager-${z}`, 'alertmanager', z, b + 132 + i, { gossip: b + 134 + i }));
  const prometheus = pair.map((z, i) => member(`prometheus-${z}`, 'prometheus', z, b + 130 + i));
  return {
    etcd,
    postgres,
    haproxy,
    pgbouncer,
    redis,
    sentinel,
    app,
    exporters,
    alertmanager,
    prometheus,
    all: [...etcd, ...postgres, ...haproxy, ...pgbouncer, ...redis, ...sentinel, ...app, ...exporters, ...alertmanager, ...prometheus],
  };
}

export type Topology = ReturnType<typeof topology>;

/** Every port a member listens on: its client port, its further ports and, on a PostgreSQL node, PostgreSQL's. */
export function memberPorts(member: Member): number[] {
  return [member.port, ...Object.values(member.ports), ...('pgPort' in member && typeof member.pgPort === 'number' ? [member.pgPort] : [])];
}
