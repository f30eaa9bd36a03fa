import path from 'node:path';

export type Zone = 'a' | 'b' | 'c';
export const ZONES: readonly Zone[] = ['a', 'b', 'c'];

export type MemberKind = 'etcd' | 'patroni' | 'haproxy' | 'pgbouncer' | 'redis' | 'sentinel' | 'app';

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
 * | +100.., +110.., +120.. | HAProxy per zone: +0 write, +1 read, +2 analytics, +3 app front end, +9 stats |
 * | +70..72 / +80..82 | Redis / Sentinel |
 * | +90..92 | app instances |
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
  return { etcd, postgres, haproxy, pgbouncer, redis, sentinel, app, all: [...etcd, ...postgres, ...haproxy, ...pgbouncer, ...redis, ...sentinel, ...app] };
}

export type Topology = ReturnType<typeof topology>;
