import { isExpressionError, parseExpression, type ComparisonOp, type Expression } from '../quality/expression.ts';
import { DefinitionError } from './errors.ts';
import { comparable, isOrdered, type PgType } from './pg-types.ts';
import { literalOf, type Value } from './transforms.ts';
import { compareValues } from './values.ts';

/**
 * Cross-field conditions as data, never as code, in the platform's one expression format (the
 * quality rules' parser checks its shape): comparisons `{ left: column, op, right: { column } |
 * { value } }` joined by `{ and }`, `{ or }`, `{ not }`. Here they are compiled into closures
 * over the row's values, typed by the target columns; nothing is evaluated as JavaScript or SQL.
 *
 *   { "and": [ { "left": "end_date", "op": ">=", "right": { "column": "start_date" } },
 *              { "not": { "left": "status", "op": "=", "right": { "value": "void" } } } ] }
 *
 * Logic is SQL's three-valued logic: a comparison with a null operand is unknown (null), and a
 * rule fails only when its expression is false — like a CHECK constraint.
 */

export interface ExpressionColumn {
  index: number;
  type: PgType;
}

/** true, false, or null (unknown). */
export type Evaluate = (values: readonly Value[]) => boolean | null;

function holds(op: ComparisonOp, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Compiles an expression tree over the columns by name; throws DefinitionError (with the path under `path`) when malformed. */
export function compileExpression(
  tree: unknown,
  columns: ReadonlyMap<string, ExpressionColumn>,
  path = 'expression',
): { evaluate: Evaluate; columns: string[] } {
  let expression: Expression;
  try {
    expression = parseExpression(tree);
  } catch (e) {
    if (!isExpressionError(e)) throw e;
    // The parser's messages start with the node's path below `expression`.
    const [where, ...rest] = e.message.split(': ');
    throw new DefinitionError(where!.replace(/^expression/, path), rest.join(': '));
  }
  const referenced = new Set<string>();
  const column = (name: string, at: string): ExpressionColumn => {
    const found = columns.get(name);
    if (!found) {
      throw new DefinitionError(at, `unknown column ${JSON.stringify(name)}; the rule sees the target columns of the mapping: ${[...columns.keys()].join(', ')}`);
    }
    referenced.add(name);
    return found;
  };

  const compile = (node: Expression, at: string): Evaluate => {
    if ('and' in node || 'or' in node) {
      const [key, items] = 'and' in node ? (['and', node.and] as const) : (['or', node.or] as const);
      const parts = items.map((child, i) => compile(child, `${at}.${key}[${i}]`));
      const decisive = key === 'or';
      return (values) => {
        let unknown = false;
        for (const part of parts) {
          const r = part(values);
          if (r === decisive) return decisive;
          if (r === null) unknown = true;
        }
        return unknown ? null : !decisive;
      };
    }
    if ('not' in node) {
      const inner = compile(node.not, `${at}.not`);
      return (values) => {
        const r = inner(values);
        return r === null ? null : !r;
      };
    }
    const left = column(node.left, `${at}.left`);
    const { type } = left;
    if (type.kind === 'json') throw new DefinitionError(at, `${node.left} is ${type.name}, which cannot be compared; compare a value taken out of it with a mapping's path`);
    if (node.op !== '=' && node.op !== '!=' && !isOrdered(type)) throw new DefinitionError(at, `${node.left} is ${type.name}, which has no order; only = and != apply`);
    let right: (values: readonly Value[]) => Value;
    if ('column' in node.right) {
      const other = column(node.right.column, `${at}.right.column`);
      if (!comparable(type, other.type)) throw new DefinitionError(at, `cannot compare ${node.left} (${type.name}) with ${node.right.column} (${other.type.name})`);
      const j = other.index;
      right = (values) => values[j] ?? null;
    } else {
      const text = literalOf(node.right.value, type, `${at}.right.value`);
      right = () => text;
    }
    const i = left.index;
    const { op } = node;
    const kind = type.kind;
    return (values) => {
      const x = values[i] ?? null;
      const y = right(values);
      return x === null || y === null ? null : holds(op, compareValues(kind, x, y));
    };
  };

  const evaluate = compile(expression, path);
  return { evaluate, columns: [...referenced] };
}
