import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { admit } from '../../jobs/admission.ts';

const SQL = sqlFiles(import.meta.dirname, ['count-in-flight']);

/**
 * Admission to the compliance pool, inside the transaction that enqueues the job: requests and
 * retention runs waiting or running count against its capacity (429 `pool_full` beyond it).
 */
export function admitCompliance(ctx: AppContext, client: pg.PoolClient): Promise<void> {
  const countInFlight = async (c: pg.PoolClient) => (await c.query<{ n: number }>(SQL['count-in-flight'])).rows[0]!.n;
  return admit(client, 'compliance', ctx.config.jobs.pools, countInFlight, ctx.metrics);
}
