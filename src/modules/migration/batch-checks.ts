import type pg from 'pg';
import type { PgType } from './pg-types.ts';
import type { Plan } from './plan.ts';
import type { BatchRule } from './rules.ts';
import { quoteTable } from './target.ts';
import type { Value } from './transforms.ts';
import { equalityKey, shown } from './values.ts';

/** Values come back as the text the target renders, the form the engine compares. */
const AS_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

const NUMBERS = new Set(['integer', 'numeric', 'float']);

/** Referential lookups that succeeded are remembered up to this many values per rule. */
const REFERENCE_CACHE = 100_000;

export interface Rejection {
  rule: string;
  reason: string;
}

/**
 * Values of one chunk's accepted rows: not committed yet, so the target cannot be asked about
 * them; `previous` is the chunk committing meanwhile, dropped once its commit is done.
 */
export interface ChunkValues {
  keys: Set<string | number>;
  uniques: Array<Set<string>>;
  previous: ChunkValues | undefined;
}

async function existing(probe: pg.ClientBase, statement: string, params: string[][]): Promise<string[][]> {
  const { rows } = await probe.query<string[]>({ text: statement, values: params, rowMode: 'array', types: AS_TEXT });
  return rows;
}

const NONE: Array<string | undefined> = [];

const distinct = (values: Value[]) => [...new Set(values.filter((v): v is string => v !== null))];

/**
 * The checks that need other rows: the target key and `unique` rules (no two migrated rows, and
 * no migrated row and an existing target row, share a value) and `referential` rules (the value
 * exists in a target table). The target is asked once per batch with bound array parameters, on
 * a connection of its own; rows of a chunk being loaded are not committed yet, so each chunk
 * remembers its own. A row is rejected for the first check it fails; a duplicate the lookups
 * cannot see yet (between two chunks in flight, or written concurrently) is stopped by the
 * target's unique index at load.
 */
export function createBatchChecks(plan: Plan, o: { probe: pg.ClientBase; table: string; probeKeys: boolean }) {
  const quote = (name: string) => o.probe.escapeIdentifier(name);
  const table = quoteTable(o.probe, o.table);
  const keyTypes = plan.keyIndexes.map((i) => plan.columns[i]!.type.kind);
  // Integer keys (the common case) are remembered as numbers: far cheaper to hash than text.
  const asKey = (n: number, text: string): string | number =>
    keyTypes[n] === 'integer' && text.length < 16 ? Number(text) : equalityKey(keyTypes[n]!, text);
  const [only] = plan.keyIndexes;
  const keyOf =
    plan.keyIndexes.length === 1
      ? (values: readonly Value[]) => asKey(0, values[only!]!)
      : (values: readonly Value[]) => plan.keyIndexes.map((i, n) => asKey(n, values[i]!)).join('\u0000');
  const keyNames = plan.keyIndexes.map((i) => plan.columns[i]!.name);
  const keyStatement = `SELECT ${keyNames.map(quote).join(', ')} FROM ${table} WHERE ${keyNames.map((k, n) => `${quote(k)} = ANY($${n + 1})`).join(' AND ')}`;

  const uniques = plan.batchRules.filter((r): r is Extract<BatchRule, { kind: 'unique' }> => r.kind === 'unique').map((rule) => ({
    rule,
    statement: `SELECT DISTINCT ${quote(rule.column.name)} FROM ${table} WHERE ${quote(rule.column.name)} = ANY($1)`,
  }));
  const references = plan.batchRules.filter((r): r is Extract<BatchRule, { kind: 'referential' }> => r.kind === 'referential').map((rule) => {
    // Compare as the rule column's type (or as text against a text column), so a lookup never fails on a value's form.
    const asType: PgType | undefined = rule.refType.kind === 'text' ? undefined : rule.column.type;
    const cast = rule.refType.kind === 'text' ? '::text[]' : asType?.castable ? `::${asType.name}[]` : '';
    const numeric = NUMBERS.has(rule.column.type.kind) && NUMBERS.has(rule.refType.kind);
    return {
      rule,
      // Numbers of different types (1 and 1.00) are compared by value.
      kind: rule.refType.kind === 'text' ? ('text' as const) : numeric ? ('numeric' as const) : rule.column.type.kind,
      found: new Set<string>(),
      statement: `SELECT DISTINCT ${quote(rule.refColumn)} FROM ${quoteTable(o.probe, rule.table)} WHERE ${quote(rule.refColumn)} = ANY($1${cast})`,
    };
  });
  return {
    /** Memory for the rows of a new chunk, next to `previous` while that one commits. */
    newChunk: (previous?: ChunkValues): ChunkValues => ({ keys: new Set(), uniques: uniques.map(() => new Set()), previous }),

    /**
     * The rows of `batch` (by position) that fail a check, with the rule and reason. Accepted
     * rows are remembered in `chunk`; rows of committed chunks are found in the target.
     */
    async check(batch: ReadonlyArray<readonly Value[]>, chunk: ChunkValues): Promise<Map<number, Rejection>> {
      // Taken before the lookups: a commit finishing meanwhile is then seen in one or the other.
      const earlier = chunk.previous;
      const rejected = new Map<number, Rejection>();
      for (const ref of references) {
        const i = ref.rule.column.index;
        const unknown = distinct(batch.map((v) => v[i] ?? null)).filter((v) => !ref.found.has(equalityKey(ref.kind, v)));
        if (unknown.length > 0) {
          if (ref.found.size > REFERENCE_CACHE) ref.found.clear();
          for (const [v] of await existing(o.probe, ref.statement, [unknown])) ref.found.add(equalityKey(ref.kind, v!));
        }
        batch.forEach((values, n) => {
          const v = values[i];
          if (rejected.has(n) || v === null || v === undefined || ref.found.has(equalityKey(ref.kind, v))) return;
          rejected.set(n, { rule: ref.rule.name, reason: `${ref.rule.column.name} ${shown(v)} does not exist in ${ref.rule.table}.${ref.rule.refColumn}` });
        });
      }

      const open: Array<readonly Value[]> = batch.filter((_, n) => !rejected.has(n));
      const targetKeys = new Set<string | number>();
      if (o.probeKeys && open.length > 0) {
        const params = plan.keyIndexes.map((i) => distinct(open.map((values) => values[i] ?? null)));
        for (const row of await existing(o.probe, keyStatement, params)) {
          targetKeys.add(row.length === 1 ? asKey(0, row[0]!) : row.map((v, n) => asKey(n, v)).join('\u0000'));
        }
      }
      const inTarget: Array<Set<string>> = [];
      for (const u of uniques) {
        const i = u.rule.column.index;
        const values = distinct(open.map((row) => row[i] ?? null));
        const rows = values.length > 0 ? await existing(o.probe, u.statement, [values]) : [];
        inTarget.push(new Set(rows.map(([v]) => equalityKey(u.rule.column.type.kind, v!))));
      }

      for (let n = 0; n < batch.length; n++) {
        if (rejected.has(n)) continue;
        const values = batch[n]!;
        const key = keyOf(values);
        let why: Rejection | undefined;
        if (chunk.keys.has(key) || earlier?.keys.has(key)) why = { rule: 'key', reason: `key (${keyNames.join(', ')}) occurs in an earlier row of this migration` };
        else if (targetKeys.has(key)) why = { rule: 'key', reason: `a row with key (${keyNames.join(', ')}) already exists in the target` };
        const keys = uniques.length === 0 ? NONE : uniques.map((u) => {
          const v = values[u.rule.column.index];
          return v === null || v === undefined ? undefined : equalityKey(u.rule.column.type.kind, v);
        });
        for (let m = 0; m < uniques.length && !why; m++) {
          const u = uniques[m]!;
          const k = keys[m];
          if (k === undefined) continue;
          const v = values[u.rule.column.index]!;
          if (chunk.uniques[m]!.has(k) || earlier?.uniques[m]!.has(k)) why = { rule: u.rule.name, reason: `${u.rule.column.name} ${shown(v)} occurs in an earlier row of this migration` };
          else if (inTarget[m]!.has(k)) why = { rule: u.rule.name, reason: `${u.rule.column.name} ${shown(v)} already exists in the target` };
        }
        if (why) {
          rejected.set(n, why);
          continue;
        }
        chunk.keys.add(key);
        keys.forEach((k, m) => {
          if (k !== undefined) chunk.uniques[m]!.add(k);
        });
      }
      return rejected;
    },
  };
}

export type BatchChecks = ReturnType<typeof createBatchChecks>;
