import { z } from 'zod';

/**
 * The four kinds of data source and the settings each stores. Secrets (passwords, tokens,
 * secret headers) are split off at creation, stored encrypted, and never returned.
 */

const noControlChars = (s: string) => !/\p{Cc}/u.test(s);
/** A path relative to `sources.fileRoot`; confinement is checked again on every use. */
const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(noControlChars, 'must not contain control characters');

export const postgresSettings = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1).max(63),
  user: z.string().min(1).max(63),
  /** Extra libpq parameters kept from the DSN (sslmode, application_name, ...). */
  params: z.record(z.string(), z.string()).default({}),
});

export const csvSettings = z.strictObject({
  path: relativePath,
  delimiter: z.string().length(1).default(','),
  quote: z.string().length(1).default('"'),
  /** The first line names the columns; otherwise `columns` must. */
  header: z.boolean().default(true),
  columns: z.array(z.string().min(1).max(63)).max(1600).optional(),
  encoding: z.enum(['utf8', 'latin1']).default('utf8'),
});

export const ndjsonSettings = z.strictObject({
  path: relativePath,
});

export const paginationSettings = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  /** ?page=N(&size=M), starting at `start`, until a page comes back empty. */
  z.strictObject({
    type: z.literal('page'),
    pageParam: z.string().min(1).default('page'),
    sizeParam: z.string().min(1).optional(),
    size: z.number().int().min(1).max(10_000).default(100),
    start: z.number().int().min(0).default(1),
  }),
  /** ?offset=N&limit=M until a page comes back shorter than `limit`. */
  z.strictObject({
    type: z.literal('offset'),
    offsetParam: z.string().min(1).default('offset'),
    limitParam: z.string().min(1).default('limit'),
    limit: z.number().int().min(1).max(10_000).default(100),
  }),
  /** ?cursor=<value of `cursorPath` in the previous response> until it is absent. */
  z.strictObject({
    type: z.literal('cursor'),
    cursorParam: z.string().min(1).default('cursor'),
    cursorPath: z.string().min(1),
  }),
]);

export const httpJsonSettings = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Dotted path to the array of records in each response; empty when the body is the array. */
  recordsPath: z.string().max(200).default(''),
  pagination: paginationSettings.default({ type: 'none' }),
  /** Non-secret request headers. Secret ones go in the secret part. */
  headers: z.record(z.string(), z.string()).default({}),
});

export type PostgresSettings = z.infer<typeof postgresSettings>;
export type CsvSettings = z.infer<typeof csvSettings>;
export type NdjsonSettings = z.infer<typeof ndjsonSettings>;
export type HttpJsonSettings = z.infer<typeof httpJsonSettings>;
export type Pagination = z.infer<typeof paginationSettings>;

/** The decrypted secret part of a source. */
export interface SourceSecret {
  /** PostgreSQL password. */
  password?: string;
  /** HTTP headers whose values are secret (Authorization, API keys). */
  headers?: Record<string, string>;
}

export type SourceKind = 'postgres' | 'csv' | 'ndjson' | 'http_json';

/** A source as the extraction engine uses it: settings validated, secret decrypted. */
export type ResolvedSource =
  | { id: string; name: string; kind: 'postgres'; settings: PostgresSettings; secret: SourceSecret }
  | { id: string; name: string; kind: 'csv'; settings: CsvSettings; secret: SourceSecret; absolutePath: string }
  | { id: string; name: string; kind: 'ndjson'; settings: NdjsonSettings; secret: SourceSecret; absolutePath: string }
  | { id: string; name: string; kind: 'http_json'; settings: HttpJsonSettings; secret: SourceSecret };
