import type { RuleSpec } from './definition.ts';
import { DefinitionError } from './errors.ts';
import { compileExpression } from './expression.ts';
import { comparable, isOrdered, type PgType } from './pg-types.ts';
import { unsafePatternReason } from './regex-safety.ts';
import { literalOf, type Value } from './transforms.ts';
import { compareValues, equalityKey, shown } from './values.ts';

/** A target column as rules see it: its position in the row and its type. */
export interface RuleColumn {
  name: string;
  index: number;
  type: PgType;
}

/** A rule decided by the row alone; `check` returns the reason when the row breaks it. */
export interface RowRule {
  name: string;
  check(values: readonly Value[]): string | undefined;
}

/** A rule decided against other rows and the target database, per batch of rows. */
export type BatchRule =
  | { kind: 'unique'; name: string; column: RuleColumn }
  | { kind: 'referential'; name: string; column: RuleColumn; table: string; refColumn: string; refType: PgType };

/** Column types of the tables referential rules point at, as described on the target; undefined: no such table. */
export type ReferenceLookup = (table: string) => ReadonlyMap<string, PgType> | undefined;

export interface CompiledRules {
  rowRules: RowRule[];
  batchRules: BatchRule[];
}

const SHOWN_VALUES = 5;

function compileRule(spec: RuleSpec, index: number, columns: ReadonlyMap<string, RuleColumn>, references: ReferenceLookup): RowRule | BatchRule {
  const path = `rules[${index}]`;
  const column = (name: string): RuleColumn => {
    const c = columns.get(name);
    if (!c) {
      throw new DefinitionError(`${path}.column`, `unknown column ${JSON.stringify(name)}; rules apply to the target columns of the mapping: ${[...columns.keys()].join(', ')}`);
    }
    return c;
  };
  if (spec.type === 'expression') {
    const name = spec.name ?? `expression:${index + 1}`;
    const byName = new Map([...columns].map(([n, c]) => [n, { index: c.index, type: c.type }]));
    const { evaluate, columns: used } = compileExpression(spec.expression, byName, `${path}.expression`);
    const indexes = used.map((n) => [n, columns.get(n)!.index] as const);
    return {
      name,
      check: (values) =>
        evaluate(values) === false
          ? `the condition is false for ${indexes.map(([n, i]) => `${n}=${values[i] === null ? 'null' : shown(values[i]!)}`).join(', ')}`
          : undefined,
    };
  }
  const c = column(spec.column);
  const name = spec.name ?? `${spec.type}:${c.name}`;
  const i = c.index;
  switch (spec.type) {
    case 'not_null':
      return { name, check: (values) => (values[i] === null ? `${c.name} is null` : undefined) };
    case 'regex': {
      const unsafe = unsafePatternReason(spec.pattern);
      if (unsafe) throw new DefinitionError(`${path}.pattern`, unsafe);
      let re: RegExp;
      try {
        re = new RegExp(spec.pattern, `u${spec.flags}`);
      } catch (e) {
        throw new DefinitionError(`${path}.pattern`, `is not a valid regular expression: ${(e as Error).message}`);
      }
      return {
        name,
        check: (values) => {
          const v = values[i];
          return v !== null && v !== undefined && !re.test(v) ? `${c.name} ${shown(v)} does not match /${spec.pattern}/${spec.flags}` : undefined;
        },
      };
    }
    case 'range': {
      if (!isOrdered(c.type)) throw new DefinitionError(path, `${c.name} is ${c.type.name}, which has no order`);
      const min = spec.min === undefined ? undefined : literalOf(spec.min, c.type, `${path}.min`);
      const max = spec.max === undefined ? undefined : literalOf(spec.max, c.type, `${path}.max`);
      if (min !== undefined && max !== undefined && compareValues(c.type.kind, min, max) > 0) {
        throw new DefinitionError(path, `min ${min} is above max ${max}`);
      }
      const kind = c.type.kind;
      return {
        name,
        check: (values) => {
          const v = values[i];
          if (v === null || v === undefined) return undefined;
          if (min !== undefined && compareValues(kind, v, min) < 0) return `${c.name} ${shown(v)} is below the minimum ${min}`;
          if (max !== undefined && compareValues(kind, v, max) > 0) return `${c.name} ${shown(v)} is above the maximum ${max}`;
          return undefined;
        },
      };
    }
    case 'allowed_values': {
      if (c.type.kind === 'json') throw new DefinitionError(path, `${c.name} is ${c.type.name}; allowed_values compares plain values`);
      const kind = c.type.kind;
      const texts = spec.values.map((v, n) => literalOf(v, c.type, `${path}.values[${n}]`));
      const allowed = new Set(texts.map((v) => equalityKey(kind, v)));
      const listed = texts.slice(0, SHOWN_VALUES).join(', ') + (texts.length > SHOWN_VALUES ? ', …' : '');
      return {
        name,
        check: (values) => {
          const v = values[i];
          return v !== null && v !== undefined && !allowed.has(equalityKey(kind, v)) ? `${c.name} ${shown(v)} is not one of ${listed}` : undefined;
        },
      };
    }
    case 'unique':
      if (c.type.kind === 'json') throw new DefinitionError(path, `${c.name} is ${c.type.name}, which cannot be compared for uniqueness`);
      return { kind: 'unique', name, column: c };
    case 'referential': {
      const table = references(spec.table);
      if (!table) throw new DefinitionError(`${path}.table`, `table ${spec.table} does not exist on the target (or is not visible to its user)`);
      const refType = table.get(spec.refColumn);
      if (!refType) throw new DefinitionError(`${path}.refColumn`, `${spec.table} has no column ${JSON.stringify(spec.refColumn)}; it has ${[...table.keys()].join(', ')}`);
      const fits = refType.kind === 'text' || (comparable(c.type, refType) && (c.type.castable || c.type.name === refType.name));
      if (!fits || c.type.kind === 'json') {
        throw new DefinitionError(path, `${c.name} (${c.type.name}) cannot be looked up in ${spec.table}.${spec.refColumn} (${refType.name}); cast it to a matching type`);
      }
      return { kind: 'referential', name, column: c, table: spec.table, refColumn: spec.refColumn, refType };
    }
  }
}

/** Compiles the rules of a definition over the mapping's target columns; throws DefinitionError when one is malformed. */
export function compileRules(specs: readonly RuleSpec[], columns: ReadonlyMap<string, RuleColumn>, references: ReferenceLookup): CompiledRules {
  const rowRules: RowRule[] = [];
  const batchRules: BatchRule[] = [];
  specs.forEach((spec, i) => {
    const rule = compileRule(spec, i, columns, references);
    if ('check' in rule) rowRules.push(rule);
    else batchRules.push(rule);
  });
  return { rowRules, batchRules };
}
