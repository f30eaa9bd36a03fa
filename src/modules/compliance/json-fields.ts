/** The text values found at one key path of sampled JSON documents. */
export interface JsonField {
  path: string[];
  values: string[];
}

const MAX_DEPTH = 8;
// Documents keyed by data (ids as keys) would otherwise make one field per record.
const MAX_FIELDS = 500;

/**
 * Collects the scalar text and number values of JSON documents by their key path, into
 * `fields` (keyed by the path's JSON text). Paths go through objects only: values inside arrays
 * have no stable key path that a lookup or an update could address, so they are not collected.
 */
export function collectJsonFields(value: unknown, fields: Map<string, JsonField>, path: string[] = []): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || path.length >= MAX_DEPTH) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = [...path, key];
    if (typeof child === 'string' || (typeof child === 'number' && Number.isFinite(child))) {
      const id = JSON.stringify(childPath);
      let field = fields.get(id);
      if (!field) {
        if (fields.size >= MAX_FIELDS) continue;
        field = { path: childPath, values: [] };
        fields.set(id, field);
      }
      field.values.push(String(child));
    } else {
      collectJsonFields(child, fields, childPath);
    }
  }
}
