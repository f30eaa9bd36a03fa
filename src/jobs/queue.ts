import { PgBoss, type Job } from 'pg-boss';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { Config, WorkloadName } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { labelCombinations, startAtZero, type Metrics } from '../observability/metrics.ts';
import type { Tracing } from '../observability/tracing.ts';

/** What a worker handler gets: the job's payload and a signal that aborts when it must stop. */
export interface JobRun<T> {
  id: string;
  data: T;
  attempt: number;
  signal: AbortSignal;
}

/** Attempts after the first before a job is given up; handlers fail the job themselves on the last. */
export const RETRY_LIMIT = 20;

export type JobHandler<T> = (run: JobRun<T>) => Promise<void>;

/**
 * The durable job queue: pg-boss on the platform database. Jobs carry heartbeats, so when a
 * worker process dies its jobs go back to the queue after `jobs.heartbeatSeconds` and another
 * instance resumes them from their last checkpoint. Each workload is a queue of its own, worked
 * by `core` concurrent handlers per instance (the bulkhead).
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #config: Config['jobs'];
  readonly #log: Logger;
  readonly #metrics: Metrics;
  /** Aborted at shutdown so running handlers checkpoint and hand their job back. */
  readonly #shutdown = new AbortController();
  #started = false;

  constructor(writeDsn: string, config: Config['jobs'], log: Logger, metrics: Metrics, tracing: Tracing) {
    this.#config = config;
    this.#log = log;
    this.#metrics = metrics;
    const pools = labelCombinations({ pool: Object.keys(config.pools) });
    startAtZero(metrics.poolRejected, pools);
    for (const pool of pools) metrics.poolActive.set(pool, 0);
    this.#boss = new PgBoss({
      connectionString: writeDsn,
      schema: 'pgboss',
      application_name: 'jivs:jobs',
      max: 4,
      superviseIntervalSeconds: 2,
      monitorIntervalSeconds: 10,
      instanceName: 'jivs',
      // Workers wake on NOTIFY when a job is sent instead of waiting for their next poll.
      useListenNotify: config.listenNotify,
      // pg-boss's own spans, on this instance's provider: `send <queue>` (PRODUCER) in the trace
      // that queues a job, whose W3C trace context it stores on the job row (trace_context), and
      // `process <queue>` (CONSUMER) for each attempt, continuing that trace; one job per fetch
      // (batchSize 1), so one CONSUMER span per attempt.
      openTelemetry: { tracerProvider: tracing.provider, propagator: tracing.propagator, propagateContext: true },
    });
    this.#boss.on('error', (error: Error) => log.warn({ error: error.message }, 'job queue error'));
    const boss = this.#boss;
    const started = () => this.#started;
    new Gauge({
      name: 'bulkhead_queued_jobs',
      help: 'Jobs waiting for a worker per workload pool, across all instances (from the queue)',
      labelNames: ['pool'] as const,
      registers: [metrics.registry],
      async collect() {
        if (!started()) return;
        // A scrape during a failover must still answer; the gauge keeps its last values.
        const queues = await boss.getQueues(Object.keys(config.pools)).catch(() => []);
        for (const q of queues) this.set({ pool: q.name }, q.queuedCount);
      },
    });
  }

  async start(): Promise<void> {
    await this.#boss.start();
    for (const name of Object.keys(this.#config.pools) as WorkloadName[]) {
      const options = {
        heartbeatSeconds: this.#config.heartbeatSeconds,
        // Long extractions are bounded by heartbeats, not by a wall-clock expiry.
        expireInSeconds: 24 * 3600,
        retryLimit: RETRY_LIMIT,
        retryDelay: 1,
        retryBackoff: true,
        retryDelayMax: 30,
        notify: this.#config.listenNotify,
      };
      if (await this.#boss.getQueue(name)) await this.#boss.updateQueue(name, options);
      else await this.#boss.createQueue(name, options);
    }
    this.#started = true;
  }

  /** Enqueues a job inside the caller's transaction, so it exists exactly when the caller's rows do. */
  async send(workload: WorkloadName, data: object, client: pg.PoolClient): Promise<string> {
    const id = await this.#boss.send(workload, data, {
      db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values) },
    });
    if (!id) throw new Error(`the ${workload} queue refused the job`);
    return id;
  }

  /**
   * Runs a job of `workload` on a cron schedule (UTC), once across all instances; `key` names
   * the schedule so it can be replaced or removed.
   */
  async schedule(workload: WorkloadName, key: string, cron: string, data: object): Promise<void> {
    await this.#boss.schedule(workload, cron, data, { key, tz: 'UTC' });
  }

  async unschedule(workload: WorkloadName, key: string): Promise<void> {
    await this.#boss.unschedule(workload, key);
  }

  /** Runs `handler` for jobs of `workload`, `core` at a time on this instance. */
  async work<T extends object>(workload: WorkloadName, handler: JobHandler<T>): Promise<void> {
    const pool = this.#config.pools[workload];
    await this.#boss.work<T>(
      workload,
      {
        localConcurrency: pool.core,
        batchSize: 1,
        pollingIntervalSeconds: this.#config.pollingIntervalSeconds,
      },
      async ([job]: Job<T>[]) => {
        if (!job) return;
        const signal = AbortSignal.any([job.signal, this.#shutdown.signal]);
        this.#metrics.poolActive.inc({ pool: workload });
        try {
          await handler({ id: job.id, data: job.data, attempt: job.retryCount, signal });
        } finally {
          this.#metrics.poolActive.dec({ pool: workload });
        }
      },
    );
  }

  /**
   * Stops taking jobs, asks running handlers to checkpoint and hand back, and waits up to
   * `graceMs` for them. A job still running after that is recovered by another instance's
   * heartbeat monitor.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#shutdown.abort(new Error('shutting down'));
    await this.#boss.stop({ graceful: true, timeout: graceMs, close: true });
    this.#log.info('job queue stopped');
  }
}
