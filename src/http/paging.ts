import { z } from 'zod';

/** `?limit=&offset=` of every offset-paginated list. */
export const pageQuery = (defaultLimit = 50) =>
  z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(defaultLimit),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  });

/** The key a keyset-paginated list's next page starts after (`nextCursor` of the previous answer). */
export const pageKey = (description: string) =>
  z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe(description);

/** The last row's key when the page came back full (there may be more), else null. */
export function nextPageKey<T>(rows: readonly T[], limit: number, keyOf: (row: T) => number): number | null {
  const last = rows.at(-1);
  return last !== undefined && rows.length === limit ? keyOf(last) : null;
}
