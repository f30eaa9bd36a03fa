import { Counter } from 'prom-client';
import type { AppContext } from '../../context.ts';

/** Counters of the alert inbox, on the instance's registry. */
export function createAlertMetrics(ctx: AppContext) {
  return {
    // Accepted notifications, repeats included: Alertmanager's delivery rate as the inbox sees it.
    notificationsReceived: new Counter({
      name: 'alert_notifications_received_total',
      help: 'Alertmanager webhook notifications accepted by the alert inbox, by receiver and notification status',
      labelNames: ['receiver', 'status'] as const,
      registers: [ctx.metrics.registry],
    }),
  };
}

export type AlertMetrics = ReturnType<typeof createAlertMetrics>;
