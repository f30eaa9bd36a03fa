import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/schema.ts';
import type { AppContext } from './context.ts';
import { DatabaseRoles, type RoleDsns } from './data/database-roles.ts';
import { dsnTarget } from './data/dsn.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './data/embedded-postgres.ts';
import { migrate } from './data/migrate.ts';
import { checkSentinels, connectRedis } from './data/redis.ts';
import { buildServer, type Server } from './http/server.ts';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.ts';
import { JobQueue } from './jobs/queue.ts';
import { createAlertsModule } from './modules/alerts/index.ts';
import { createAnalyticsModule } from './modules/analytics/index.ts';
import { createAuditModule } from './modules/audit/index.ts';
import { createAuthModule } from './modules/auth/index.ts';
import { createComplianceModule } from './modules/compliance/index.ts';
import { createExtractionModule } from './modules/extraction/index.ts';
import { createMigrationModule } from './modules/migration/index.ts';
import { createQualityModule } from './modules/quality/index.ts';
import { createSourcesModule } from './modules/sources/index.ts';
import { databaseIndicator, diskIndicator, healthRoutes, jobsIndicator, redisIndicator } from './observability/health.ts';
import { countLines, createLogger, named, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { startTracing } from './observability/tracing.ts';
import { createRedisGuard } from './resilience/redis-breaker.ts';
import { isPrimaryUnavailable } from './resilience/database-failover.ts';
import { loadSecrets } from './secrets.ts';

export interface RunningApp {
  ctx: AppContext;
  server: Server;
  /** Base URL the API listens on. */
  url: string;
  /** First-start admin account, when this start created it. */
  bootstrapAdmin?: { username: string; generatedPassword?: string };
  /** Graceful stop: refuse new work, finish or hand back running work, stop owned engines. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Called with a short human-readable line at each start-up step. */
  onStep?: (step: string) => void;
}

const PLATFORM_DATABASE = 'jivs';

async function ensureDatabase(adminDsn: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDsn });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Starts one instance of the service: the composition root. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? createLogger(config.log.level);
  const step = options.onStep ?? (() => undefined);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => log.warn({ error: String(e) }, 'cleanup failed'));
  };

  try {
    const tracing = startTracing(config.tracing, config.instance, named(log, 'tracing'));
    // Registered first so it runs last: spans of the shutdown itself are exported too.
    cleanups.push(() => tracing.shutdown());
    const secrets = await loadSecrets(config);
    let dsns: RoleDsns;
    let embedded: EmbeddedPostgres | undefined;
    if (config.embedded.enabled ?? !config.database.write) {
      step(`starting embedded PostgreSQL on 127.0.0.1:${config.embedded.port}`);
      embedded = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embedded.port,
        osUser: config.embedded.osUser,
        log: named(log, 'postgres'),
      });
      cleanups.push(() => embedded!.stop());
      await ensureDatabase(embedded.dsn('postgres'), PLATFORM_DATABASE);
      const dsn = embedded.dsn(PLATFORM_DATABASE);
      dsns = { write: dsn, read: [dsn], analytics: dsn };
    } else {
      const write = config.database.write;
      if (!write) {
        throw new ConfigError('JIVS_DATABASE_WRITE (database.write): required when JIVS_EMBEDDED_ENABLED is false');
      }
      dsns = { write, read: config.database.read, analytics: config.database.analytics ?? config.database.read[0] ?? write };
    }

    const metrics = createMetrics();
    countLines(log, (level, logger) => metrics.logMessages.inc({ level, logger }));
    const db = new DatabaseRoles(dsns, config.database, named(log, 'db'), metrics.registry, tracing.tracer);
    cleanups.push(() => db.end());
    step('applying schema migrations');
    await migrate(db.write, named(log, 'migrate')).catch((error: unknown) => {
      throw explainPrimaryFailure(error, dsns.write);
    });
    await db.start();

    const queue = new JobQueue(dsns.write, config.jobs, named(log, 'jobs'), metrics, tracing);
    const redisConnections = connectRedis(config.redis, named(log, 'redis'), tracing.tracer);
    if (redisConnections) {
      cleanups.push(() => redisConnections.close());
      step('asking the Sentinels for the Redis master');
      await checkSentinels(redisConnections, config.redis);
    }
    const redis = createRedisGuard(redisConnections, metrics, named(log, 'redis'));
    const ctx: AppContext = { config, log, db, metrics, tracing, secrets, queue, redis, lifecycle: { shuttingDown: false } };
    step('starting the job queue');
    await queue.start();
    cleanups.push(() => queue.stop(config.http.shutdownGraceSeconds * 1000));

    const auth = createAuthModule(ctx);
    const sources = createSourcesModule(ctx);
    const extraction = createExtractionModule(ctx, sources);
    const audit = createAuditModule(ctx);
    const deps = { sources, audit };
    const workloads = [
      extraction,
      createMigrationModule(ctx, deps),
      createQualityModule(ctx, deps),
      createComplianceModule(ctx, deps),
      createAnalyticsModule(ctx, deps),
    ];
    const bootstrapAdmin = await auth.ensureAdmin();

    const server = await buildServer(ctx, {
      verifyAccessToken: (token) => auth.verifyAccessToken(token),
      onRequestDone: (request, reply) => audit.onRequestDone(request, reply),
      routes: [
        healthRoutes(ctx, [
          databaseIndicator(ctx),
          diskIndicator(ctx),
          jobsIndicator(ctx),
          ...(redis.enabled ? [redisIndicator(ctx)] : []),
        ]),
        auth.routes,
        sources.routes,
        audit.routes,
        createAlertsModule(ctx).routes,
        ...workloads.map((w) => w.routes),
      ],
    });
    step(`listening on http://${config.http.host}:${config.http.port}`);
    await server.listen({ host: config.http.host, port: config.http.port });
    // Closing the server must come before stopping the queue and the database.
    cleanups.push(() => server.close());
    for (const workload of workloads) await workload.startWorkers();
    const purge = setInterval(() => {
      purgeExpiredIdempotencyKeys(ctx).catch((error: unknown) => log.warn({ error }, 'could not purge expired idempotency keys'));
    }, 3_600_000).unref();
    cleanups.push(async () => clearInterval(purge));

    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    let stopping: Promise<void> | undefined;
    return {
      ctx,
      server,
      url: `http://${config.http.host}:${port}`,
      ...(bootstrapAdmin ? { bootstrapAdmin } : {}),
      stop() {
        stopping ??= (async () => {
          ctx.lifecycle.shuttingDown = true;
          if (config.http.drainSeconds > 0) {
            log.info({ drain_seconds: config.http.drainSeconds }, 'draining: readiness answers 503 until load balancers stop sending requests');
            await setTimeout(config.http.drainSeconds * 1000);
          }
          log.info('shutting down: no new requests or jobs; running jobs checkpoint and hand back');
          await cleanup();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * The first statement on the primary failing for want of a server, a login or a database is a
 * wrong DSN far more often than an outage: say which setting, and what is wrong with it.
 */
function explainPrimaryFailure(error: unknown, dsn: string): unknown {
  const code = (error as { code?: unknown }).code;
  const why =
    code === '28P01' || code === '28000'
      ? 'the user or password is refused'
      : code === '3D000'
        ? 'the database does not exist'
        : isPrimaryUnavailable(error)
          ? 'nothing answered there (within database.failoverBudgetMs)'
          : undefined;
  if (!why) return error;
  const where = `${decodeURIComponent(new URL(dsn).username)}@${dsnTarget(dsn)}`;
  return new Error(`JIVS_DATABASE_WRITE (database.write): cannot use ${where}: ${why} (${(error as Error).message}); fix the DSN or start that server`, {
    cause: error,
  });
}
