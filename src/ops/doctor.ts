import { access, constants } from 'node:fs/promises';

/** The Debian packages of the local HA cluster and a binary each one installs. */
export const ENGINE_PACKAGES: ReadonlyArray<{ pkg: string; binary: string }> = [
  { pkg: 'postgresql-15', binary: '/usr/lib/postgresql/15/bin/postgres' },
  { pkg: 'patroni', binary: '/usr/bin/patroni' },
  { pkg: 'etcd-server', binary: '/usr/bin/etcd' },
  { pkg: 'etcd-client', binary: '/usr/bin/etcdctl' },
  { pkg: 'haproxy', binary: '/usr/sbin/haproxy' },
  { pkg: 'pgbouncer', binary: '/usr/sbin/pgbouncer' },
  { pkg: 'redis-server', binary: '/usr/bin/redis-server' },
  { pkg: 'redis-sentinel', binary: '/usr/bin/redis-sentinel' },
  { pkg: 'prometheus', binary: '/usr/bin/promtool' },
  { pkg: 'prometheus-alertmanager', binary: '/usr/bin/prometheus-alertmanager' },
  { pkg: 'prometheus-postgres-exporter', binary: '/usr/bin/prometheus-postgres-exporter' },
  { pkg: 'prometheus-redis-exporter', binary: '/usr/bin/prometheus-redis-exporter' },
  { pkg: 'prometheus-node-exporter', binary: '/usr/bin/prometheus-node-exporter' },
  { pkg: 'prometheus-pgbouncer-exporter', binary: '/usr/bin/prometheus-pgbouncer-exporter' },
];

export interface EngineCheck {
  pkg: string;
  binary: string;
  present: boolean;
}

export async function checkEngines(): Promise<EngineCheck[]> {
  return Promise.all(
    ENGINE_PACKAGES.map(async (e) => ({
      ...e,
      present: await access(e.binary, constants.X_OK).then(
        () => true,
        () => false,
      ),
    })),
  );
}

/** Packages whose binary is missing. */
export const missingEngines = async () => (await checkEngines()).filter((e) => !e.present).map((e) => e.pkg);
