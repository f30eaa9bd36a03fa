import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { appDrainSeconds } from './haproxy.ts';
import { nodeAlias } from './pgbouncer.ts';
import { getJson, probeOrDown } from './probes.ts';

const LAUNCHER = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'bin', 'jivs.js');

/** The app's settings in the cluster: the same code as embedded mode, only the config differs. */
export function appEnvironment(member: Member, cluster: ClusterContext): Record<string, string> {
  const bouncer = cluster.topology.pgbouncer.find((p) => p.zone === member.zone)!;
  const dsn = (alias: string) =>
    `postgres://jivs_app:${encodeURIComponent(cluster.secrets.appDatabase)}@127.0.0.1:${bouncer.port}/${alias}`;
  return {
    JIVS_DATA_DIR: member.dir,
    JIVS_HTTP_PORT: String(member.port),
    JIVS_EMBEDDED_ENABLED: 'false',
    JIVS_DATABASE_WRITE: dsn('jivs_primary'),
    // Reads and analytics go to the nodes themselves: the app watches each one's role and lag
    // and routes (HAProxy's read and analytics ports serve other clients).
    JIVS_DATABASE_READ: cluster.topology.postgres.filter((n) => !n.analytics).map((n) => dsn(nodeAlias(n.name))).join(','),
    JIVS_DATABASE_ANALYTICS: dsn(nodeAlias(cluster.topology.postgres.find((n) => n.analytics)!.name)),
    JIVS_AUTH_JWT_SECRET: cluster.secrets.jwtSecret,
    JIVS_AUTH_ADMIN_PASSWORD: cluster.secrets.adminPassword,
    JIVS_SECRETS_KEY: cluster.secrets.sourceKey,
    JIVS_ALERTS_WEBHOOK_TOKEN: cluster.secrets.alertWebhookToken,
    JIVS_REDIS_SENTINELS: cluster.topology.sentinel.map((s) => `127.0.0.1:${s.port}`).join(','),
    JIVS_REDIS_PASSWORD: cluster.secrets.redis,
    JIVS_HTTP_DRAIN_SECONDS: String(appDrainSeconds),
    JIVS_INSTANCE_NAME: member.name,
    JIVS_INSTANCE_ZONE: member.zone,
    JIVS_LOG_LEVEL: cluster.config.log.level,
    // File sources must resolve the same on every instance.
    JIVS_SOURCES_FILE_ROOT: path.join(cluster.dir, 'files'),
    JIVS_RATE_LIMITS_DEFAULT_POINTS: String(cluster.config.rateLimits.default.points),
    JIVS_RATE_LIMITS_AUTH_POINTS: String(cluster.config.rateLimits.auth.points),
    // The cluster runs no trace collector: the instances export to the one `jivs cluster` is told of.
    JIVS_TRACING_SAMPLE_RATIO: String(cluster.config.tracing.sampleRatio),
    ...(cluster.config.tracing.otlpEndpoint ? { JIVS_TRACING_OTLP_ENDPOINT: cluster.config.tracing.otlpEndpoint } : {}),
    // See jobs.listenNotify in src/config/schema.ts: polling survives a failover, LISTEN does not.
    JIVS_JOBS_LISTEN_NOTIFY: 'false',
  };
}

/** App x3, one per zone, each beside its zone's PgBouncer. */
export const appEngine: Engine = {
  kind: 'app',
  async prepare(member, cluster) {
    await mkdir(member.dir, { recursive: true, mode: 0o700 });
    return {
      command: process.execPath,
      args: [LAUNCHER, 'start', '--json'],
      env: { HOME: member.dir, ...appEnvironment(member, cluster) },
      asEngineUser: false,
    };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const { status } = await getJson(`http://127.0.0.1:${member.port}/health/readiness`);
      return { healthy: status === 200, role: 'app' };
    }),
};
