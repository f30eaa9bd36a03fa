/**
 * Reading PromQL without a full parser: a tokenizer and the vector selectors of an expression
 * (metric names, label matchers, jobs), for the checks of what alert rules and dashboards read.
 * Grafana template variables read as one token each, so dashboard queries can be read before
 * their variables are substituted.
 */

/** A Grafana template variable in any spelling (`$v`, `${v}`, `${v:fmt}`, `[[v]]`, `[[v:fmt]]`); the name is group 1, 2 or 3. */
export const GRAFANA_VARIABLE = /\$\{([a-zA-Z_]\w*)(?::[^}]*)?\}|\[\[([a-zA-Z_]\w*)(?::[^\]]*)?\]\]|\$([a-zA-Z_]\w*)/g;

type Token =
  | { kind: 'string'; start: number; end: number; text: string; quote: string; value: string }
  | { kind: 'ident' | 'number' | 'duration' | 'punct' | 'variable'; start: number; end: number; text: string };

// Tried in order at each position; durations before numbers, variables before `[` and `$`.
const PATTERNS: Array<[Token['kind'] | 'skip', RegExp]> = [
  ['skip', /(?:\s+|#[^\n]*)/y],
  ['variable', new RegExp(GRAFANA_VARIABLE.source, 'y')],
  ['duration', /(?:\d+(?:ms|[smhdwy]))+/y],
  ['number', /(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y],
  ['string', /(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/sy],
  ['ident', /[a-zA-Z_:][a-zA-Z0-9_:]*/y],
  ['punct', /(?:=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}[\],@:])/y],
];

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** A string literal's content (Go quoting; backticks are raw). */
function unquote(literal: string): string {
  const raw = literal.slice(1, -1);
  if (literal.startsWith('`')) return raw;
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_, e: string) => {
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return SIMPLE_ESCAPES[e] ?? e;
  });
}

/** A PromQL string literal holding `value`, in backticks if `quote` is one and it can be, else in double quotes. */
export function stringLiteral(value: string, quote: string): string {
  if (quote === '`' && !value.includes('`')) return '`' + value + '`';
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n') + '"';
}

/** Splits PromQL into tokens with their positions; whitespace and comments are dropped. */
function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < expr.length) {
    const found = PATTERNS.find(([, re]) => {
      re.lastIndex = at;
      return re.test(expr);
    });
    if (!found) throw new Error(`cannot read PromQL at "${expr.slice(at, at + 20)}" in: ${expr}`);
    const [kind, re] = found;
    const start = at;
    at = re.lastIndex;
    const text = expr.slice(start, at);
    if (kind === 'string') tokens.push({ kind, start, end: at, text, quote: text[0]!, value: unquote(text) });
    else if (kind !== 'skip') tokens.push({ kind, start, end: at, text });
  }
  return tokens;
}

const PAIRS: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
const isPunct = (t: Token | undefined, text: string) => t?.kind === 'punct' && t.text === text;

/** Index just past the bracket that closes the one at `open`. */
function closing(tokens: Token[], open: number): number {
  const opener = tokens[open]!.text;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], opener)) depth++;
    else if (isPunct(tokens[i], PAIRS[opener]!) && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced "${opener}"`);
}

// PromQL's keywords are case-insensitive and never name a metric: aggregations, binary
// operators and modifiers, and the number words.
const KEYWORDS = new Set([
  ...['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio'],
  ...['and', 'or', 'unless', 'atan2', 'bool', 'offset'],
  ...['inf', 'nan'],
]);
/** Keywords followed by a parenthesised list of label names. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

/** A label matcher of a selector, its value unquoted. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Where a piece of the expression stands: `expr.slice(start, end)`. */
export interface Span {
  start: number;
  end: number;
}

/** A matcher with the places of its operator and its value literal, to rewrite them in place. */
export interface PlacedMatcher extends Matcher {
  opAt: Span;
  valueAt: Span & { quote: string };
}

/** A vector selector: metric name (if written before the braces) and matchers. */
export interface Selector {
  metric: string | undefined;
  matchers: PlacedMatcher[];
}

/** The `label op "value"` matchers between the `{` at `open` and its `}`. */
function readMatchers(tokens: Token[], open: number): { matchers: PlacedMatcher[]; next: number } {
  const next = closing(tokens, open);
  const matchers: PlacedMatcher[] = [];
  for (let i = open + 1; i < next - 1; i++) {
    const [label, op, value] = [tokens[i]!, tokens[i + 1], tokens[i + 2]];
    if (label.kind !== 'ident' || op?.kind !== 'punct' || !MATCH_OPS.has(op.text) || value?.kind !== 'string') continue;
    matchers.push({
      label: label.text,
      op: op.text as Matcher['op'],
      value: value.value,
      opAt: { start: op.start, end: op.end },
      valueAt: { start: value.start, end: value.end, quote: value.quote },
    });
    i += 2;
  }
  return { matchers, next };
}

/**
 * The vector selectors of a PromQL expression (metric names, label matchers), in order: not
 * functions, aggregations, keywords, label lists (after by/without/on/ignoring/group_*), strings,
 * numbers, durations, range or subquery brackets, or Grafana variables. Throws on text that is
 * not PromQL rather than guessing.
 */
export function querySelectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (isPunct(token, '[')) {
      i = closing(tokens, i);
    } else if (isPunct(token, '{')) {
      const read = readMatchers(tokens, i);
      selectors.push({ metric: undefined, matchers: read.matchers });
      i = read.next;
    } else if (token.kind !== 'ident') {
      i++;
    } else if (LABEL_LISTS.has(token.text.toLowerCase())) {
      i = isPunct(next, '(') ? closing(tokens, i + 1) : i + 1;
    } else if (isPunct(next, '(') || KEYWORDS.has(token.text.toLowerCase())) {
      i++;
    } else if (isPunct(next, '{')) {
      const read = readMatchers(tokens, i + 1);
      selectors.push({ metric: token.text, matchers: read.matchers });
      i = read.next;
    } else {
      selectors.push({ metric: token.text, matchers: [] });
      i++;
    }
  }
  return selectors;
}

/** Every label matcher of every selector, with where its operator and value stand. */
export function placedMatchers(expr: string): PlacedMatcher[] {
  return querySelectors(expr).flatMap((s) => s.matchers);
}

/**
 * The metric names a PromQL expression reads, sorted and without duplicates. A selector written
 * `{__name__="x"}` counts as `x`; a regex on `__name__` names nothing that can be listed.
 */
export function queryMetrics(expr: string): string[] {
  const names = new Set<string>();
  for (const s of querySelectors(expr)) {
    if (s.metric !== undefined) names.add(s.metric);
    for (const m of s.matchers) if (m.label === '__name__' && m.op === '=') names.add(m.value);
  }
  return [...names].sort();
}

/**
 * The scrape jobs a PromQL expression reads, from its `job` matchers (`job="x"`, or
 * `job=~"a|b"` listing names), in order of appearance. Selectors without a job matcher are not counted.
 */
export function queryJobs(expr: string): string[] {
  const jobs = new Set<string>();
  for (const s of querySelectors(expr)) {
    for (const m of s.matchers) {
      if (m.label !== 'job') continue;
      if (m.op === '=') jobs.add(m.value);
      if (m.op === '=~') for (const j of m.value.split('|')) jobs.add(j);
    }
  }
  return [...jobs];
}
