import { Gauge } from 'prom-client';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';

const sql = sqlFiles(import.meta.dirname, ['count-active-sessions']);

/** `active_sessions`: sign-ins whose refresh token is still usable, counted when Prometheus scrapes. */
export function sessionMetrics(ctx: AppContext): void {
  new Gauge({
    name: 'active_sessions',
    help: 'Sign-ins with a refresh token that is neither expired, replaced nor revoked (all instances)',
    registers: [ctx.metrics.registry],
    async collect() {
      // A scrape during a failover must still answer; the gauge keeps its last value.
      const rows = await ctx.db
        .read()
        .query<{ n: number }>(sql['count-active-sessions'])
        .then((r) => r.rows, () => undefined);
      if (rows) this.set(rows[0]!.n);
    },
  });
}
