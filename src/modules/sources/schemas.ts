import { z } from 'zod';
import { isSecretKey } from '../../observability/masking.ts';
import { csvSettings, httpJsonSettings, ndjsonSettings } from './kinds.ts';

// Request and response shapes of the sources API.

const sourceName = z
  .string()
  .min(1)
  .max(100)
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters')
  .refine((s) => s.trim() === s, 'must not be blank or start or end with spaces');

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const headerValue = z
  .string()
  .max(8192)
  .refine((s) => !/[^\P{Cc}\t]/u.test(s), 'must not contain control characters');
// Keys are checked in a refinement: a failed record key schema reports only "Invalid key in record".
const headerMap = z
  .record(z.string(), headerValue)
  .superRefine((h, ctx) => {
    const bad = Object.keys(h).find((name) => !HEADER_NAME.test(name));
    if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not an HTTP header name` });
  })
  .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers');

const postgresBody = z.strictObject({
  name: sourceName,
  kind: z.literal('postgres'),
  /** postgres://user:password@host:port/database?sslmode=... */
  dsn: z.string().min(1).max(2048),
});

const csvBody = csvSettings
  .extend({ name: sourceName, kind: z.literal('csv') })
  .refine((b) => b.header || b.columns !== undefined, {
    message: 'without a header line, columns must name the columns',
    path: ['columns'],
  })
  .refine((b) => b.delimiter !== b.quote, { message: 'must differ from delimiter', path: ['quote'] })
  .refine((b) => new Set(b.columns).size === (b.columns?.length ?? 0), {
    message: 'column names must be unique',
    path: ['columns'],
  });

const ndjsonBody = ndjsonSettings.extend({ name: sourceName, kind: z.literal('ndjson') });

const httpJsonBody = httpJsonSettings
  .extend({
    name: sourceName,
    kind: z.literal('http_json'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
    /** Sent with every request and shown to readers of the source. */
    headers: headerMap
      .refine((h) => !Object.keys(h).some(isSecretKey), 'headers that carry credentials belong in secretHeaders')
      .default({}),
    /** Sent with every request, stored encrypted, never returned. */
    secretHeaders: headerMap.optional(),
  })
  .refine((b) => !URL.canParse(b.url) || (!new URL(b.url).username && !new URL(b.url).password), {
    message: 'must not contain credentials; send them in secretHeaders',
    path: ['url'],
  })
  .refine(
    (b) => {
      const open = new Set(Object.keys(b.headers).map((h) => h.toLowerCase()));
      return !Object.keys(b.secretHeaders ?? {}).some((h) => open.has(h.toLowerCase()));
    },
    { message: 'a header may be in headers or secretHeaders, not both', path: ['secretHeaders'] },
  );

export const createSourceBody = z.discriminatedUnion('kind', [postgresBody, csvBody, ndjsonBody, httpJsonBody]);
export type CreateSourceBody = z.infer<typeof createSourceBody>;

export const sourceIdParams = z.strictObject({ id: z.string() });

export const sourceView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['postgres', 'csv', 'ndjson', 'http_json']),
  /** The non-secret settings. */
  settings: z.record(z.string(), z.unknown()),
  /** PostgreSQL sources: the connection URL without its password. */
  dsn: z.string().optional(),
  /** Whether a password or secret headers are stored (they are never returned). */
  hasSecret: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export type SourceView = z.infer<typeof sourceView>;

export const testResult = z.union([
  z.object({ ok: z.literal(true), details: z.record(z.string(), z.unknown()) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
