import pg from 'pg';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/schema.ts';
import type { AppContext } from './context.ts';
import { DatabaseRoles, type RoleDsns } from './data/database-roles.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './data/embedded-postgres.ts';
import { migrate } from './data/migrate.ts';
import { connectRedis } from './data/redis.ts';
import { buildServer, type Server } from './http/server.ts';
import { JobQueue } from './jobs/queue.ts';
import { createAnalyticsModule } from './modules/analytics/index.ts';
import { createAuditModule } from './modules/audit/index.ts';
import { createAuthModule } from './modules/auth/index.ts';
import { createComplianceModule } from './modules/compliance/index.ts';
import { createExtractionModule } from './modules/extraction/index.ts';
import { createMigrationModule } from './modules/migration/index.ts';
import { createQualityModule } from './modules/quality/index.ts';
import { createSourcesModule } from './modules/sources/index.ts';
import { databaseIndicator, diskIndicator, healthRoutes, jobsIndicator, redisIndicator } from './observability/health.ts';
import { createLogger, named, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { createRedisGuard } from './resilience/redis-breaker.ts';
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
    const db = new DatabaseRoles(dsns, config.database, named(log, 'db'), metrics.registry);
    cleanups.push(() => db.end());
    step('applying schema migrations');
    await migrate(db.write, named(log, 'migrate'));

    const queue = new JobQueue(dsns.write, config.jobs, named(log, 'jobs'), metrics);
    const redisConnections = connectRedis(config.redis, named(log, 'redis'));
    if (redisConnections) cleanups.push(() => redisConnections.close());
    const redis = createRedisGuard(redisConnections, metrics, named(log, 'redis'));
    const ctx: AppContext = { config, log, db, metrics, secrets, queue, redis, lifecycle: { shuttingDown: false } };
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
        ...workloads.map((w) => w.routes),
      ],
    });
    step(`listening on http://${config.http.host}:${config.http.port}`);
    await server.listen({ host: config.http.host, port: config.http.port });
    // Closing the server must come before stopping the queue and the database.
    cleanups.push(() => server.close());
    for (const workload of workloads) await workload.startWorkers();

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
