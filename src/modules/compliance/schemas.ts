import { z } from 'zod';
import { nameText } from '../../http/text.ts';
import { PII_CATEGORIES, SUBJECT_KEYS } from './categories.ts';
import { pageQuery } from '../../http/paging.ts';

export const REQUEST_TYPES = ['access', 'erasure', 'rectification', 'portability'] as const;
export const REQUEST_STATUSES = ['received', 'in_progress', 'completed', 'completed_with_exceptions', 'rejected', 'failed'] as const;
export const CATALOGUE_STATUSES = ['proposed', 'confirmed', 'rejected'] as const;

/** An id in a path: a string, since an id that is not a UUID names nothing (404, not 400). */
export const idParams = z.strictObject({ id: z.string().max(100).describe('id (a UUID)') });

export const page = pageQuery();

const datasetId = z.uuid({ message: 'must be an archive dataset id (a UUID)' });
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const digits = (min: number, max: number) => (v: string) => {
  const n = v.replace(/\D/g, '').length;
  return n >= min && n <= max;
};
const compact = (min: number, max: number) => (v: string) => {
  const n = v.replace(/[^A-Za-z0-9]/g, '').length;
  return n >= min && n <= max;
};

/** Identifiers of the data subject; at least one. Each is looked up in columns of its PII category. */
export const subjectSchema = z
  .strictObject({
    email: nameText(320).refine((v) => /^[^@\s]+@[^@\s]+$/.test(v), 'must be an e-mail address'),
    phone: nameText(40).refine(digits(6, 15), 'must be a phone number of 6 to 15 digits'),
    iban: nameText(50).refine(compact(15, 34), 'must be an IBAN of 15 to 34 letters and digits'),
    ssn: nameText(20).refine(digits(9, 9), 'must be a social security number of 9 digits'),
    nationalId: nameText(64).refine(compact(3, 64), 'must have at least 3 letters or digits'),
    passport: nameText(64).refine(compact(3, 64), 'must have at least 3 letters or digits'),
    cardNumber: nameText(30).refine(digits(12, 19), 'must be a card number of 12 to 19 digits'),
    customerId: nameText(200),
  } satisfies Record<keyof typeof SUBJECT_KEYS, z.ZodType>)
  .partial()
  .refine((s) => Object.values(s).some((v) => v !== undefined), {
    message: `name at least one identifier of the data subject: ${Object.keys(SUBJECT_KEYS).join(', ')}`,
  });

const scalar = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);

export const createRequestBody = z
  .strictObject({
    type: z.enum(REQUEST_TYPES),
    regulation: z.enum(['gdpr', 'ccpa']),
    subject: subjectSchema,
    /** New values by column name, or by JSON field (dotted for nested fields). */
    rectification: z
      .record(nameText(200), scalar)
      .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 50, 'must name 1 to 50 columns or fields')
      .optional(),
    /** Erasure only: delete the rows (default), or replace their personal data. */
    mode: z.enum(['delete', 'anonymise']).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.type === 'rectification' && !body.rectification) {
      ctx.addIssue({ code: 'custom', path: ['rectification'], message: 'a rectification request needs the new values: { column or field: value }' });
    }
    if (body.type !== 'rectification' && body.rectification) {
      ctx.addIssue({ code: 'custom', path: ['rectification'], message: 'only a rectification request takes new values' });
    }
    if (body.type !== 'erasure' && body.mode) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'only an erasure request has a mode' });
    }
  });
export type CreateRequestBody = z.infer<typeof createRequestBody>;

export const listRequestsQuery = page.extend({
  status: z.enum(REQUEST_STATUSES).optional(),
  type: z.enum(REQUEST_TYPES).optional(),
  overdue: flag.optional(),
});

export const rejectBody = z.strictObject({ reason: nameText(1000) });

export const exportQuery = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  /** The dataset whose CSV to download, when the export covers more than one. */
  datasetId: z.string().max(100).optional(),
});

// Nullish: a POST without a body scans every dataset.
export const discoveryBody = z.strictObject({ datasetId: datasetId.optional() }).nullish();

export const catalogueQuery = page.extend({
  datasetId: datasetId.optional(),
  status: z.enum(CATALOGUE_STATUSES).optional(),
  category: z.enum(PII_CATEGORIES).optional(),
});

export const reviewBody = z.strictObject({ status: z.enum(CATALOGUE_STATUSES) });

export const addCatalogueBody = z.strictObject({
  datasetId,
  column: nameText(63),
  /** Keys from the JSON column's value to the field. */
  jsonPath: z.array(nameText(200)).min(1).max(8).optional(),
  category: z.enum(PII_CATEGORIES),
});

// Five fields (minute granularity); pg-boss checks the expression itself when it is scheduled.
const CRON = /^[\d*,/A-Za-z?#-]+(\s+[\d*,/A-Za-z?#-]+){4}$/;

export const createPolicyBody = z.strictObject({
  datasetId,
  dateColumn: nameText(63),
  keepForDays: z.number().int().min(1).max(36_500),
  action: z.enum(['delete', 'anonymise']).default('delete'),
  /** Run on this schedule (UTC); without it the policy runs on demand only. */
  cron: z.string().trim().regex(CRON, 'must be a cron expression of five fields, e.g. "0 3 * * *"').optional(),
});

export const listPoliciesQuery = page.extend({ datasetId: datasetId.optional() });

export const createHoldBody = z.strictObject({ datasetId, reason: nameText(1000) });

export const listHoldsQuery = page.extend({
  datasetId: datasetId.optional(),
  /** Only holds in force (default), or released ones too. */
  active: flag.default(true),
});
