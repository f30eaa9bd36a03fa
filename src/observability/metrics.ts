import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The values of `cache_requests_total`'s `result` label. */
export const CACHE_RESULTS = ['hit', 'miss', 'bypass'] as const;

/**
 * The service's Prometheus metrics, on a registry of its own so several instances can live in
 * one process (tests). Names follow the plan's alert rules and dashboards.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = {
    registry,
    httpRequests: new Histogram({
      name: 'http_server_requests_seconds',
      help: 'HTTP server requests by method, route template, status and outcome',
      labelNames: ['method', 'route', 'status', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    extractionDuration: new Histogram({
      name: 'extraction_duration_seconds',
      help: 'Wall time of extraction runs (one attempt) by source kind and outcome',
      labelNames: ['source_kind', 'outcome'] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200],
      registers: [registry],
    }),
    extractionRecords: new Counter({
      name: 'extraction_records_total',
      help: 'Records copied into the archive',
      labelNames: ['source_kind'] as const,
      registers: [registry],
    }),
    extractionBytes: new Counter({
      name: 'extraction_bytes_total',
      help: 'Bytes copied into the archive',
      labelNames: ['source_kind'] as const,
      registers: [registry],
    }),
    extractions: new Counter({
      name: 'extractions_total',
      help: 'Extractions by lifecycle event (created, completed, failed, cancelled)',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    poolActive: new Gauge({
      name: 'bulkhead_active_jobs',
      help: 'Jobs running in this instance per workload pool',
      labelNames: ['pool'] as const,
      registers: [registry],
    }),
    poolRejected: new Counter({
      name: 'bulkhead_rejected_total',
      help: 'Submissions refused because the workload pool was full',
      labelNames: ['pool'] as const,
      registers: [registry],
    }),
    logMessages: new Counter({
      name: 'log_messages_total',
      help: 'Log lines written, by level and logger',
      labelNames: ['level', 'logger'] as const,
      registers: [registry],
    }),
    authLogins: new Counter({
      name: 'auth_logins_total',
      help: 'Sign-in attempts by outcome (success, failure)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'cache_requests_total',
      help: 'Redis cache lookups by cache and result: hit, miss (answered by PostgreSQL), bypass (Redis not asked: circuit open, down, or distrusted after a master switch)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    idempotentReplays: new Counter({
      name: 'idempotent_replays_total',
      help: 'Requests answered from a stored Idempotency-Key answer instead of being run again',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limit_rejected_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
  };
  // Extraction events are counted by both the service and the runner: neither owns the list.
  startAtZero(metrics.extractions, labelCombinations({ event: ['created', 'completed', 'failed', 'cancelled'] }));
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Gives `counter` a series at 0 for each of `labelSets` now, so a rate or a ratio over it reads 0
 * instead of "no data" until its first event (an error ratio before the first error, a
 * dashboard panel of rejections that never happened).
 */
export function startAtZero<T extends string>(counter: Counter<T>, labelSets: ReadonlyArray<Partial<Record<T, string>>>): void {
  for (const labels of labelSets) counter.inc(labels, 0);
}

/** Every combination of the given label values: `{ cache: ['auth'], result: ['hit', 'miss'] }` → 2 sets. */
export function labelCombinations<T extends string>(values: Record<T, readonly string[]>): Array<Record<T, string>> {
  return Object.entries<readonly string[]>(values).reduce<Array<Record<string, string>>>(
    (sets, [name, options]) => sets.flatMap((set) => options.map((value) => ({ ...set, [name]: value }))),
    [{}],
  );
}

/** Micrometer's outcome label. */
export function outcomeOf(status: number): string {
  if (status < 200) return 'INFORMATIONAL';
  if (status < 300) return 'SUCCESS';
  if (status < 400) return 'REDIRECTION';
  if (status < 500) return 'CLIENT_ERROR';
  return 'SERVER_ERROR';
}
