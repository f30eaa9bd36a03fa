import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';

const SQL = sqlFiles(import.meta.dirname, ['extractions', 'migrations', 'quality', 'compliance', 'audit']);

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/**
 * The dashboard figures the plan names (Business Metrics, Compliance Audit and Audit Log
 * dashboards). Every query runs on the analytics role: a replica in the cluster, never the
 * primary's write path.
 */
export function createFigures(ctx: AppContext) {
  const one = async <T>(sql: string, days: number) => (await ctx.db.analytics.query<T & object>(sql, [days])).rows[0]!;
  return {
    async extractions(days: number) {
      const r = await one<{ created: number; completed: number; failed: number; active: number; records: string; avg_seconds: number | null }>(SQL.extractions, days);
      return {
        created: r.created,
        completed: r.completed,
        failed: r.failed,
        active: r.active,
        successRate: percent(r.completed, r.completed + r.failed),
        recordsExtracted: Number(r.records),
        averageSeconds: round(r.avg_seconds),
      };
    },
    async migrations(days: number) {
      const r = await one<{
        created: number;
        completed: number;
        failed: number;
        active: number;
        rolled_back: number;
        records_migrated: string;
        records_rejected: string;
        avg_seconds: number | null;
      }>(SQL.migrations, days);
      return {
        created: r.created,
        completed: r.completed,
        failed: r.failed,
        active: r.active,
        rolledBack: r.rolled_back,
        successRate: percent(r.completed, r.completed + r.failed),
        recordsMigrated: Number(r.records_migrated),
        recordsRejected: Number(r.records_rejected),
        averageSeconds: round(r.avg_seconds),
      };
    },
    async quality(days: number) {
      const r = await one<{ checks: number; rules_executed: number; issues_detected: number; overall_score: number | null; datasets_scored: number }>(
        SQL.quality,
        days,
      );
      return {
        checks: r.checks,
        rulesExecuted: r.rules_executed,
        issuesDetected: r.issues_detected,
        overallScore: round(r.overall_score),
        datasetsScored: r.datasets_scored,
      };
    },
    async compliance(days: number) {
      const { rows } = await ctx.db.analytics.query<{
        type: string;
        regulation: string;
        received: number;
        completed: number;
        on_time: number;
        overdue: number;
      }>(SQL.compliance, [days]);
      const sum = (k: 'received' | 'completed' | 'on_time' | 'overdue') => rows.reduce((n, r) => n + r[k], 0);
      return {
        requests: sum('received'),
        completed: sum('completed'),
        overdue: sum('overdue'),
        // Requests answered within their legal deadline, among those answered or already late.
        complianceRate: percent(sum('on_time'), sum('completed') + sum('overdue')),
        byType: rows.map((r) => ({ type: r.type, regulation: r.regulation, received: r.received, completed: r.completed, overdue: r.overdue })),
      };
    },
    async audit(days: number) {
      const r = await one<{ events: number; failed_sign_ins: number; denied: number; active_users: number }>(SQL.audit, days);
      return { events: r.events, failedSignIns: r.failed_sign_ins, denied: r.denied, activeUsers: r.active_users };
    },
  };
}

export type Figures = ReturnType<typeof createFigures>;
export type FigureGroup = keyof Figures;
