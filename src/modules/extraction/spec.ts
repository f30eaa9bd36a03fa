import { z } from 'zod';

const identifier = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** What to extract, as stored on the job. Only PostgreSQL sources take `table` or `query`. */
export const extractionSpec = z.strictObject({
  /** `table` or `schema.table` on a PostgreSQL source. */
  table: z
    .string()
    .max(130)
    .refine((t) => t.split('.').length <= 2 && t.split('.').every((p) => identifier.test(p)), {
      message: 'must be table or schema.table, each part a plain identifier (letters, digits, _, $)',
    })
    .optional(),
  /** A read-only SELECT on a PostgreSQL source. */
  query: z
    .string()
    .min(1)
    .max(100_000)
    .refine((q) => !q.includes('\u0000'), 'must not contain NUL characters')
    .optional(),
  /**
   * Unique columns to order and resume by; default: the table's primary key. Without a key the
   * job can still be resumed, but it starts that source over.
   */
  keyColumns: z.array(z.string().min(1).max(63)).min(1).max(8).optional(),
});

export type ExtractionSpec = z.infer<typeof extractionSpec>;
