import { z } from 'zod';

/**
 * Every setting of the service, with its default. Each leaf is also an environment variable:
 * `JIVS_` followed by its path in upper snake case (`http.port` → `JIVS_HTTP_PORT`,
 * `jobs.pools.extraction.core` → `JIVS_JOBS_POOLS_EXTRACTION_CORE`). Lists are comma-separated.
 * Defaults follow the hardening plan (seed 000) where it names a value.
 */

const port = z.number().int().min(1).max(65535);
const seconds = z.number().positive();
const dsn = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string');

/** A bulkhead: `core` jobs run at once on each instance; the pool holds at most `max + queue`. */
const workloadPool = (core: number, max: number, queue: number) =>
  z
    .strictObject({
      core: z.number().int().min(1).default(core),
      max: z.number().int().min(1).default(max),
      queue: z.number().int().min(0).default(queue),
    })
    .refine((p) => p.max >= p.core, { message: 'max must be at least core' })
    .prefault({});

const rateLimit = (points: number) =>
  z
    .strictObject({
      points: z.number().int().min(1).default(points),
      durationSeconds: seconds.default(60),
    })
    .prefault({});

const poolSettings = (max: number) =>
  z
    .strictObject({
      max: z.number().int().min(1).default(max),
      connectTimeoutMs: z.number().int().min(100).default(5000),
      statementTimeoutMs: z.number().int().min(0).default(30_000),
      idleInTransactionTimeoutMs: z.number().int().min(0).default(60_000),
      /** A connection held longer than this is logged with the stack that took it, and counted. */
      leakDetectionMs: z.number().int().min(50).default(60_000),
    })
    .prefault({});

export const configSchema = z.strictObject({
  /** Where embedded PostgreSQL, generated secrets and uploaded files live. */
  dataDir: z.string().min(1).default('./data'),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 takes any free port (the URL is printed at start). */
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
      /** Seconds a SIGTERM waits for in-flight requests and jobs before handing jobs back. */
      shutdownGraceSeconds: seconds.default(20),
      /**
       * Seconds a stopping instance keeps serving (readiness answering 503, every answer closing
       * its connection) before it closes its port, so load balancers stop sending it requests
       * first. 0 for a lone instance; `jivs cluster` sets it from HAProxy's check timings.
       */
      drainSeconds: z.number().min(0).max(300).default(0),
      /** How long an Idempotency-Key and its stored answer are kept. */
      idempotencyKeyTtlHours: z.number().int().min(1).max(24 * 30).default(24),
    })
    .prefault({}),
  embedded: z
    .strictObject({
      /** Start a PostgreSQL server from the npm-shipped binary. Off when `database.write` is set. */
      enabled: z.boolean().optional(),
      port: port.default(54329),
      /** The unprivileged OS user PostgreSQL runs as when the service runs as root. */
      osUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('jivs'),
    })
    .prefault({}),
  database: z
    .strictObject({
      write: dsn.optional(),
      read: z.array(dsn).default([]),
      analytics: dsn.optional(),
      /** How long a write waits and retries through a primary failover before it fails. */
      failoverBudgetMs: z.number().int().min(0).default(30_000),
      /** Reads go to replicas at most this far behind the primary, else to the primary. */
      replicaLagLimitSeconds: z.number().min(0).default(10),
      /** How often each instance checks its replicas' roles and lag. */
      replicaCheckIntervalMs: z.number().int().min(100).default(1000),
      /** Analytics falls back to a read replica; to the primary only when this is set. */
      analyticsFallbackToPrimary: z.boolean().default(false),
      pools: z
        .strictObject({
          write: poolSettings(20),
          read: poolSettings(20),
          analytics: poolSettings(5),
        })
        .prefault({}),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** HMAC key for access tokens; generated into the data directory when absent. */
      jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
      accessTokenTtlSeconds: z.number().int().min(30).default(900),
      refreshTokenTtlSeconds: z.number().int().min(60).default(14 * 24 * 3600),
      adminUsername: z.string().min(1).default('admin'),
      /** Password of the first admin; generated and printed once when absent. */
      adminPassword: z.string().optional(),
    })
    .prefault({}),
  /**
   * Redis through Sentinel: an accelerator, never the only copy of anything (cache, rate-limit
   * counters, a copy of token revocations). Without sentinels everything stays in process.
   */
  redis: z
    .strictObject({
      sentinels: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')).default([]),
      masterName: z.string().min(1).default('jivs-redis'),
      password: z.string().optional(),
      /** The plan's Lettuce command timeout. */
      commandTimeoutMs: z.number().int().min(10).default(2000),
    })
    .prefault({}),
  /** AES-256-GCM key (32 bytes, base64) for source credentials; generated into the data directory when absent. */
  secretsKey: z.string().optional(),
  rateLimits: z
    .strictObject({
      auth: rateLimit(5),
      default: rateLimit(100),
    })
    .prefault({}),
  sources: z
    .strictObject({
      /** File sources must live under this directory. */
      fileRoot: z.string().min(1).optional(),
      /** Hosts HTTP sources may reach; `*` allows any. */
      httpAllowedHosts: z.array(z.string().min(1)).default(['*']),
      httpTimeoutMs: z.number().int().min(100).default(30_000),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      pools: z
        .strictObject({
          extraction: workloadPool(20, 50, 100),
          migration: workloadPool(10, 30, 50),
          analytics: workloadPool(5, 10, 20),
          /** Data-quality check runs (not in the plan; sized like a small batch pool). */
          quality: workloadPool(2, 5, 20),
          /** Data-subject requests and retention runs (not in the plan; small batch pool). */
          compliance: workloadPool(2, 5, 20),
        })
        .prefault({}),
      /** A job whose worker misses heartbeats this long is handed to another worker. */
      heartbeatSeconds: z.number().int().min(10).default(10),
      /** Rows copied per checkpoint transaction. */
      checkpointRows: z.number().int().min(1).default(50_000),
      pollingIntervalSeconds: z.number().min(0.5).default(1),
      /**
       * Wake workers with LISTEN/NOTIFY as soon as a job is queued. Off in the HA cluster: pg-boss
       * 12's listener drops its error handler before closing a connection that failed, and the
       * second error a dying primary sends then crashes the process (seen in failover tests).
       */
      listenNotify: z.boolean().default(true),
    })
    .prefault({}),
  /** The alert inbox: Alertmanager's webhook receivers post here (POST /api/v1/alerts/inbox). */
  alerts: z
    .strictObject({
      /**
       * Bearer token Alertmanager sends (its `http_config.authorization.credentials`); the same
       * on every instance. Unset, the inbox refuses every notification with 403.
       */
      webhookToken: z.string().min(32, 'must be at least 32 characters').optional(),
    })
    .prefault({}),
  /** This instance's place in the topology (labels on metrics, health and logs). */
  instance: z
    .strictObject({
      name: z.string().min(1).max(63).default('jivs'),
      zone: z.string().min(1).max(32).default('local'),
    })
    .prefault({}),
  /** The local HA cluster that `jivs cluster` runs (real engines from Debian's packages). */
  cluster: z
    .strictObject({
      /** Every member's port is this plus a fixed offset (see src/ops/cluster/topology.ts). */
      basePort: z.number().int().min(1024).max(65_000).default(17_000),
      /** Where members keep data, configuration and logs; default `<dataDir>/cluster`. */
      dir: z.string().min(1).optional(),
      /** Unprivileged OS user the engines run as when `jivs cluster` runs as root. */
      osUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('jivs'),
      /**
       * Patroni synchronous_mode: a commit is acknowledged only once a replica has it, so losing
       * the primary loses no acknowledged write (RPO 0), at a little write latency. On by default:
       * with asynchronous replication the last acknowledged commits die with the primary.
       */
      synchronousMode: z.boolean().default(true),
      /**
       * Patroni DCS timings; loop_wait + 2 × retry_timeout must not exceed ttl. A dead leader's
       * key lives ttl seconds, so ttl bounds the write outage of a node loss: 8 s brings it under
       * the 10 s goal (ttl 10: 10.6-11.1 s in docs/benchmarks.md) while leaving 3 s for a slow etcd round trip.
       */
      ttlSeconds: z.number().int().min(5).default(8),
      loopWaitSeconds: z.number().int().min(1).default(2),
      retryTimeoutSeconds: z.number().int().min(1).default(3),
      /** Replicas further behind than this are taken out of the read pool. */
      replicaLagLimitBytes: z.number().int().min(0).default(10 * 1024 * 1024),
      /** Redis Sentinel's down-after-milliseconds (the plan: 5000). */
      sentinelDownAfterMs: z.number().int().min(100).default(5000),
      /** How often both Prometheus scrape every target and evaluate the rules (the plan: 15 s). */
      scrapeIntervalSeconds: z.number().int().min(1).max(300).default(15),
    })
    .refine((c) => c.loopWaitSeconds + 2 * c.retryTimeoutSeconds <= c.ttlSeconds, {
      message: 'Patroni needs loopWaitSeconds + 2 × retryTimeoutSeconds <= ttlSeconds',
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  /** OpenTelemetry traces (see docs/observability.md, "Traces"). */
  tracing: z
    .strictObject({
      /**
       * Share of new traces kept (0..1; the plan: 10%). A request that arrives with a W3C
       * `traceparent` follows its caller's decision instead (parent-based sampling).
       */
      sampleRatio: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0.1),
      /**
       * OTLP/HTTP (JSON) traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. Unset, spans still
       * give log lines their `trace_id`/`span_id` but are exported nowhere.
       */
      otlpEndpoint: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
      /** `service.name` of every span. */
      serviceName: z.string().min(1).max(100).default('jivs-platform'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type WorkloadName = keyof Config['jobs']['pools'];
