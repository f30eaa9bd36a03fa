import type { Config } from './config/schema.ts';
import type { DatabaseRoles } from './data/database-roles.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { Tracing } from './observability/tracing.ts';
import type { RedisGuard } from './resilience/redis-breaker.ts';

/** Key material the service needs, from config or generated into the data directory. */
export interface Secrets {
  /** HMAC key for access tokens. */
  jwtKey: Uint8Array;
  /** AES-256-GCM key for source credentials. */
  sourceKey: Buffer;
}

/** What every module is built from: one per running instance. */
export interface AppContext {
  config: Config;
  log: Logger;
  db: DatabaseRoles;
  metrics: Metrics;
  /** This instance's tracer provider and exporter (not registered globally). */
  tracing: Tracing;
  secrets: Secrets;
  queue: JobQueue;
  /** Redis through Sentinel behind a circuit breaker; `enabled` is false without sentinels. */
  redis: RedisGuard;
  /** Set when shutdown starts: readiness fails and new work is refused. */
  lifecycle: { shuttingDown: boolean };
}
