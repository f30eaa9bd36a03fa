import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { ALERT_STATUSES, type AlertStatus, type WebhookPayload } from './payload.ts';

const SQL = sqlFiles(import.meta.dirname, ['insert-alerts', 'list-alerts']);

const labels = z.record(z.string(), z.string());

/** One alert as the inbox received it (the list's items). */
export const storedAlert = z.object({
  id: z.number().int(),
  receiver: z.string(),
  status: z.enum(ALERT_STATUSES),
  fingerprint: z.string(),
  alertname: z.string().nullable(),
  labels,
  annotations: labels,
  startsAt: z.string(),
  endsAt: z.string().nullable().describe('null while the alert fires'),
  generatorUrl: z.string().nullable(),
  groupKey: z.string(),
  receivedAt: z.string(),
});

export type StoredAlert = z.infer<typeof storedAlert>;

/** List filters; each one left out matches everything. */
export interface AlertFilters {
  receiver?: string | undefined;
  status?: AlertStatus | undefined;
  alertname?: string | undefined;
}

/** The inbox's table, `alerts_received`. */
export function createAlertStore(ctx: AppContext) {
  return {
    /** Stores the alerts of a notification; answers how many were new (the rest were repeats). */
    async add(notification: WebhookPayload): Promise<number> {
      // The validated fields only: the schema dropped any others.
      const { rowCount } = await ctx.db.write.query(SQL['insert-alerts'], [
        notification.receiver,
        notification.groupKey,
        JSON.stringify(notification.alerts),
      ]);
      return rowCount ?? 0;
    },

    /** One page, newest first, of the alerts received before the one with id `before` when given. */
    async list(filters: AlertFilters, before: number | undefined, limit: number): Promise<StoredAlert[]> {
      // The statement names the columns as the view does; only the bigint id comes as text.
      const { rows } = await ctx.db.read().query<Omit<StoredAlert, 'id'> & { id: string }>(SQL['list-alerts'], [
        filters.receiver ?? null,
        filters.status ?? null,
        filters.alertname ?? null,
        before ?? null,
        limit,
      ]);
      return rows.map((row) => ({ ...row, id: Number(row.id) }));
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
