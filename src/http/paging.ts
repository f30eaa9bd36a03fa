import { z } from 'zod';

/** `?limit=&offset=` of every offset-paginated list. */
export const pageQuery = (defaultLimit = 50) =>
  z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(defaultLimit),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  });
