import { z } from 'zod';
import { hasControlCharacters, nameText } from '../../http/text.ts';
import { storableText } from '../audit/canonical.ts';

// Alertmanager adds fields across versions (truncatedAlerts came in 0.22): the payload and its
// alerts accept fields they do not know and drop them (z.object strips: one a newer
// Alertmanager added may hold what jsonb refuses), and validate those they do.

/** Label and annotation names: anything visible (Alertmanager 0.27 allows UTF-8 names), storable in jsonb. */
const labelName = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !hasControlCharacters(s), 'must not contain control characters')
  .transform(storableText);

/**
 * Label and annotation values are kept whatever they hold (a refused notification is not sent
 * again: Alertmanager retries only 5xx answers), made storable in jsonb.
 */
const labelSet = z.record(labelName, z.string().transform(storableText));

/** RFC 3339 as Go writes it (nanoseconds, `Z` or an offset). */
const instant = z.iso
  .datetime({ offset: true })
  // PostgreSQL has no year 0; the format check has already refused what is not a time.
  .refine((s) => !(new Date(s).getUTCFullYear() < 1), 'must be in year 1 or later');

/** Go's zero time: what Alertmanager sends as the end of an alert that still fires. */
const isZeroTime = (s: string) => new Date(s).getUTCFullYear() === 1;

const status = z.enum(['firing', 'resolved']);

const alert = z.object({
  status,
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: instant,
  endsAt: instant.transform((s) => (isZeroTime(s) ? null : s)),
  generatorURL: z.string().max(8192).transform(storableText).default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hexadecimal digits, as Alertmanager computes it'),
});

/** The body of Alertmanager's webhook notification (version 4, Alertmanager 0.x). */
export const webhookPayload = z.object({
  version: z.literal('4', { message: 'must be "4" (the webhook payload format of Alertmanager 0.x)' }),
  groupKey: z.string().min(1).max(8192).transform(storableText),
  truncatedAlerts: z.number().int().min(0).default(0),
  status,
  receiver: nameText(200),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(8192).default(''),
  alerts: z.array(alert).min(1).max(1000),
});

export type WebhookPayload = z.infer<typeof webhookPayload>;
export type AlertStatus = z.infer<typeof status>;
export const ALERT_STATUSES = status.options;
