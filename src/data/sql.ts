import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Loads the SQL statements of a module from its `sql/` folder, one statement per file, read
 * once at start-up. `sqlFiles(import.meta.dirname, ['find-user', ...])` → `{ 'find-user': '...' }`.
 */
export function sqlFiles<const N extends string>(moduleDir: string, names: readonly N[]): Record<N, string> {
  return Object.fromEntries(
    names.map((name) => [name, readFileSync(path.join(moduleDir, 'sql', `${name}.sql`), 'utf8')]),
  ) as Record<N, string>;
}
