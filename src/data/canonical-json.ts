const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A JSON.stringify replacer that sorts object keys at every depth. jsonb gives keys back in an
 * order of its own, so anything hashed must not depend on key order.
 */
export const sortedKeys = (_key: string, value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => compare(a, b)))
    : value;

/** JSON text of a value with object keys sorted at every depth, no whitespace. */
export const canonicalJson = (value: unknown): string => JSON.stringify(value, sortedKeys) ?? 'null';
