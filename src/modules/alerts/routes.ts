import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { CAN } from '../../http/access.ts';
import { badRequest, forbidden, unauthorized } from '../../http/errors.ts';
import { nextPageKey, pageKey, pageQuery } from '../../http/paging.ts';
import type { Routes } from '../../http/server.ts';
import { nameText } from '../../http/text.ts';
import { named } from '../../observability/logger.ts';
import type { AlertMetrics } from './metrics.ts';
import { ALERT_STATUSES, webhookPayload } from './payload.ts';
import { storedAlert, type AlertStore } from './store.ts';
import { bearerMatches } from './webhook-token.ts';

/**
 * Notifications carry at most `max_alerts` (100 in deploy/alertmanager) alerts of a few KiB each;
 * this leaves room for receivers configured without that cap.
 */
const INBOX_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const receiverName = nameText(200);

const inboxQuery = z.strictObject({
  receiver: receiverName.optional().describe('the receiver this webhook URL belongs to; must match the payload\'s `receiver`'),
});

const listQuery = pageQuery()
  .pick({ limit: true })
  .extend({
    receiver: receiverName.optional().describe('`pagerduty`, `slack` or `email` in deploy/alertmanager'),
    status: z.enum(ALERT_STATUSES).optional().describe('the alert\'s own status in its notification'),
    alertname: nameText(200).optional(),
    cursor: pageKey('`nextCursor` of the previous page'),
  });

const inboxAnswer = z.object({
  alerts: z.number().int().describe('alerts in the notification'),
  stored: z.number().int().describe('of them new to the inbox'),
  repeats: z.number().int().describe('of them already stored (a retry or a reminder)'),
});

/**
 * POST /api/v1/alerts/inbox (Alertmanager's webhook, its own bearer token) and
 * GET /api/v1/alerts (operators list what arrived).
 */
export function alertRoutes(ctx: AppContext, store: AlertStore, metrics: AlertMetrics): Routes {
  const log = named(ctx.log, 'alerts');

  // Alertmanager has no user: it proves itself with the shared token, before the body is read.
  async function authenticateAlertmanager(request: FastifyRequest): Promise<void> {
    const token = ctx.config.alerts.webhookToken;
    if (token === undefined) {
      throw forbidden(
        'the alert inbox is off: set alerts.webhookToken (JIVS_ALERTS_WEBHOOK_TOKEN, at least 32 characters) on every instance ' +
          'and the same token in Alertmanager\'s http_config.authorization.credentials',
      );
    }
    if (!bearerMatches(request.headers.authorization, token)) {
      throw unauthorized(
        'send Authorization: Bearer <token>, the token of alerts.webhookToken (JIVS_ALERTS_WEBHOOK_TOKEN); ' +
          'in Alertmanager: http_config.authorization.credentials',
      );
    }
  }

  return async (app) => {
    const tags = ['alerts'];
    app.post(
      '/api/v1/alerts/inbox',
      {
        // Public to the user guard; the token check above is the guard. Never rate-limited:
        // a refused notification is an alert lost (Alertmanager retries only 5xx answers).
        config: { access: 'public', rateLimit: 'none' },
        bodyLimit: INBOX_BODY_LIMIT_BYTES,
        onRequest: authenticateAlertmanager,
        schema: {
          tags,
          summary: 'Alertmanager webhook: store the alerts of a notification',
          description:
            'Takes Alertmanager\'s webhook payload (version 4) with `Authorization: Bearer <alerts.webhookToken>`. ' +
            'An alert is stored once per receiver, fingerprint, status and start: retries, reminders and the other ' +
            `Alertmanager's copy are repeats. 403 while alerts.webhookToken is unset; bodies up to ${INBOX_BODY_LIMIT_BYTES} bytes.`,
          querystring: inboxQuery,
          body: webhookPayload,
          response: { 200: inboxAnswer },
        },
      },
      async (request) => {
        const notification = request.body;
        const inUrl = request.query.receiver;
        if (inUrl !== undefined && inUrl !== notification.receiver) {
          throw badRequest(
            `the URL names receiver ${inUrl} but the notification is for receiver ${notification.receiver}; ` +
              `point receiver ${notification.receiver}'s webhook at ?receiver=${notification.receiver}`,
          );
        }
        const stored = await store.add(notification);
        metrics.notificationsReceived.inc({ receiver: notification.receiver, status: notification.status });
        const repeats = notification.alerts.length - stored;
        const truncated = notification.truncatedAlerts;
        // Alertmanager left alerts out (the receiver's max_alerts): they are in its UI, not here.
        log[truncated > 0 ? 'warn' : 'info'](
          {
            receiver: notification.receiver,
            status: notification.status,
            group_key: notification.groupKey,
            alerts: notification.alerts.length,
            stored,
            repeats,
            truncated_alerts: truncated,
          },
          `alert notification received: ${stored} new, ${repeats} repeated${truncated > 0 ? `, ${truncated} left out by Alertmanager` : ''}`,
        );
        return { alerts: notification.alerts.length, stored, repeats };
      },
    );
    app.get(
      '/api/v1/alerts',
      {
        config: { access: CAN.readAlerts },
        schema: {
          tags,
          summary: 'List the alerts the inbox received, newest first',
          querystring: listQuery,
          response: { 200: z.object({ items: z.array(storedAlert), nextCursor: z.number().int().nullable() }) },
        },
      },
      async (request) => {
        const { limit, cursor, ...filters } = request.query;
        const items = await store.list(filters, cursor, limit);
        return { items, nextCursor: nextPageKey(items, limit, (a) => a.id) };
      },
    );
  };
}
