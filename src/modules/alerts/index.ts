import type { AppContext } from '../../context.ts';
import type { Routes } from '../../http/server.ts';
import { createAlertMetrics } from './metrics.ts';
import { alertRoutes } from './routes.ts';
import { createAlertStore } from './store.ts';

export interface AlertsModule {
  routes: Routes;
}

/**
 * The alert inbox: the webhook Alertmanager's receivers deliver to in the local cluster, and the
 * list operators read it through.
 */
export function createAlertsModule(ctx: AppContext): AlertsModule {
  return { routes: alertRoutes(ctx, createAlertStore(ctx), createAlertMetrics(ctx)) };
}
