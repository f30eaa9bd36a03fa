/**
 * Cross-field consistency rules as a small structured expression, never as SQL text: a
 * comparison `{ left: column, op, right: { column } | { value } }`, combined with
 * `{ and: [...] }`, `{ or: [...] }` and `{ not: ... }`. It compiles to SQL in which every
 * column is an escaped identifier and every literal a bound parameter.
 */

const COMPARISON_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export type Literal = string | number | boolean;
export type Operand = { column: string } | { value: Literal };

export interface Comparison {
  left: string;
  op: ComparisonOp;
  right: Operand;
}

export type Expression = { and: Expression[] } | { or: Expression[] } | { not: Expression } | Comparison;

/** The expression is not well formed; the message starts with the path of the offending node. */
export class ExpressionError extends Error {
  readonly isExpressionError = true;
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export const isExpressionError = (e: unknown): e is ExpressionError =>
  e instanceof Error && (e as Partial<ExpressionError>).isExpressionError === true;

// Bounds that keep a rule readable and its SQL small.
const MAX_DEPTH = 8;
const MAX_ITEMS = 16;
const MAX_COMPARISONS = 32;
const MAX_NAME = 63;
const MAX_TEXT = 1000;

const SHAPES = '{left, op, right}, {and: [...]}, {or: [...]} or {not: {...}}';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new ExpressionError(`${path}: ${message}`);
}

function columnName(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME) {
    fail(path, `must be a column name (1 to ${MAX_NAME} characters)`);
  }
  return value;
}

function operand(node: unknown, path: string): Operand {
  if (!isRecord(node) || Object.keys(node).length !== 1 || !('column' in node || 'value' in node)) {
    fail(path, 'must be {column: "<name>"} or {value: <string, number or boolean>}');
  }
  if ('column' in node) return { column: columnName(node.column, `${path}.column`) };
  const value = node.value;
  if (typeof value === 'string' && value.length <= MAX_TEXT) return { value };
  if (typeof value === 'number' && Number.isFinite(value)) return { value };
  if (typeof value === 'boolean') return { value };
  fail(`${path}.value`, `must be a string (at most ${MAX_TEXT} characters), a finite number or a boolean; compare with NULL through a completeness rule`);
}

/** Checks the shape of an expression received from a client and returns it typed. */
export function parseExpression(input: unknown): Expression {
  let comparisons = 0;
  const walk = (node: unknown, path: string, depth: number): Expression => {
    if (depth > MAX_DEPTH) fail(path, `nests deeper than ${MAX_DEPTH} levels`);
    if (!isRecord(node)) fail(path, `must be an object: ${SHAPES}`);
    const keys = Object.keys(node);
    for (const key of ['and', 'or'] as const) {
      if (!(key in node)) continue;
      if (keys.length !== 1) fail(path, `{${key}: [...]} takes no other fields (found ${keys.join(', ')})`);
      const items = node[key];
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) {
        fail(`${path}.${key}`, `must be a list of 1 to ${MAX_ITEMS} expressions`);
      }
      const parts = items.map((item, i) => walk(item, `${path}.${key}[${i}]`, depth + 1));
      return key === 'and' ? { and: parts } : { or: parts };
    }
    if ('not' in node) {
      if (keys.length !== 1) fail(path, `{not: {...}} takes no other fields (found ${keys.join(', ')})`);
      return { not: walk(node.not, `${path}.not`, depth + 1) };
    }
    const unknown = keys.filter((k) => k !== 'left' && k !== 'op' && k !== 'right');
    if (unknown.length > 0 || !('left' in node) || !('op' in node) || !('right' in node)) {
      fail(path, `must be one of ${SHAPES}${unknown.length > 0 ? `; unknown fields: ${unknown.join(', ')}` : ''}`);
    }
    if (++comparisons > MAX_COMPARISONS) fail(path, `an expression holds at most ${MAX_COMPARISONS} comparisons`);
    const op = node.op;
    if (!COMPARISON_OPS.includes(op as ComparisonOp)) fail(`${path}.op`, `must be one of ${COMPARISON_OPS.join(' ')}`);
    return {
      left: columnName(node.left, `${path}.left`),
      op: op as ComparisonOp,
      right: operand(node.right, `${path}.right`),
    };
  };
  return walk(input, 'expression', 1);
}

/** Every column an expression names, once each, in order of appearance. */
export function expressionColumns(expression: Expression): string[] {
  const found = new Set<string>();
  const walk = (e: Expression): void => {
    if ('and' in e) e.and.forEach(walk);
    else if ('or' in e) e.or.forEach(walk);
    else if ('not' in e) walk(e.not);
    else {
      found.add(e.left);
      if ('column' in e.right) found.add(e.right.column);
    }
  };
  walk(expression);
  return [...found];
}

const SQL_OPS: Record<ComparisonOp, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * The expression as a SQL condition. `column` renders a column reference (escaped); literals are
 * appended to `params` and referenced as `$n`, left untyped so PostgreSQL reads each one as the
 * type of the column it is compared with.
 */
export function compileExpression(expression: Expression, column: (name: string) => string, params: unknown[]): string {
  if ('and' in expression || 'or' in expression) {
    const [items, joiner] = 'and' in expression ? [expression.and, ' AND '] : [expression.or, ' OR '];
    return `(${items.map((e) => compileExpression(e, column, params)).join(joiner)})`;
  }
  if ('not' in expression) return `(NOT ${compileExpression(expression.not, column, params)})`;
  const right = 'column' in expression.right ? column(expression.right.column) : `$${params.push(expression.right.value)}`;
  return `(${column(expression.left)} ${SQL_OPS[expression.op]} ${right})`;
}
