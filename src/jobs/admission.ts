import type pg from 'pg';
import type { Config, WorkloadName } from '../config/schema.ts';
import { tooManyRequests } from '../http/errors.ts';
import type { Metrics } from '../observability/metrics.ts';

/** Counts the jobs of a workload that are waiting or running, cluster-wide. */
export type InFlightCounter = (client: pg.PoolClient) => Promise<number>;

/**
 * Admission to a durable workload pool. A pool holds at most `max + queue` jobs in flight
 * (running or waiting), across all instances, like a thread pool of `max` threads and a queue of
 * `queue`; one more is refused with 429 and the reason. The check runs under a transaction-level
 * advisory lock so two instances cannot both admit the last slot.
 */
export async function admit(
  client: pg.PoolClient,
  workload: WorkloadName,
  pools: Config['jobs']['pools'],
  countInFlight: InFlightCounter,
  metrics: Metrics,
): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('jivs:admission:' || $1))", [workload]);
  const inFlight = await countInFlight(client);
  const { max, queue } = pools[workload];
  if (inFlight >= max + queue) {
    metrics.poolRejected.inc({ pool: workload });
    throw tooManyRequests(
      `the ${workload} pool is full: ${inFlight} jobs are running or queued (capacity ${max} + queue ${queue}); retry when some finish`,
      30,
      'pool_full',
    );
  }
}
