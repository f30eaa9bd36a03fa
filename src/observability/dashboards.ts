import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { NOT_YET_EXPORTED } from './alert-rules.ts';
import { GRAFANA_VARIABLE as VARIABLE, placedMatchers, queryMetrics, stringLiteral } from './promql.ts';

/** The metric a histogram or summary series belongs to (`x_bucket`, `x_sum`, `x_count` -> `x`). */
const familyOf = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

/**
 * True when `metric` (or the histogram it is a series of) is in `NOT_YET_EXPORTED`, the one list
 * of metrics rules and dashboards read before the system exports them: a live check lets a query
 * over only such metrics come back empty.
 */
export const notYetExported = (metric: string): boolean => Object.hasOwn(NOT_YET_EXPORTED, metric) || Object.hasOwn(NOT_YET_EXPORTED, familyOf(metric));

/** Series Prometheus writes only while an alert is pending or firing: empty is their normal state. */
const ALERT_SERIES = ['ALERTS', 'ALERTS_FOR_STATE'];

/**
 * Values Grafana's built-in interval variables take in checks: what a 6-hour dashboard scraped
 * every 15 s gets. Every subquery and range must be valid PromQL with these.
 */
export const CHECK_INTERVALS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __auto: '15s',
};

const target = z.looseObject({ refId: z.string(), expr: z.string().optional(), hide: z.boolean().optional() });

/** A panel as stored in dashboard JSON; rows hold their panels only while collapsed. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number } | undefined;
  targets?: Array<z.infer<typeof target>> | undefined;
  panels?: Panel[] | undefined;
  [key: string]: unknown;
}

const panel: z.ZodType<Panel> = z.looseObject({
  id: z.number().int(),
  type: z.string().min(1),
  title: z.string(),
  gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).optional(),
  targets: z.array(target).optional(),
  get panels() {
    return z.array(panel).optional();
  },
});

const variable = z.looseObject({
  name: z.string().min(1),
  type: z.string(),
  query: z.union([z.string(), z.looseObject({ query: z.string().optional() })]).optional(),
});

const dashboardSchema = z.looseObject({
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z.array(panel),
  templating: z.looseObject({ list: z.array(variable) }).optional(),
});

/** A parsed dashboard with the file it came from. */
export type Dashboard = z.infer<typeof dashboardSchema> & { file: string };

/** Parses every `*.json` in `dir` (sorted by name); a file that is not a dashboard is an error naming it. */
export async function loadDashboards(dir: string): Promise<Dashboard[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(dir, file), 'utf8');
      const parsed = dashboardSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${file} is not a Grafana dashboard: ${z.prettifyError(parsed.error)}`);
      return { ...parsed.data, file };
    }),
  );
}

/** One PromQL expression of a dashboard, with where it sits. */
export interface PanelQuery {
  dashboard: string;
  uid: string;
  /** Title of the row the panel is in; null above the first row and for template variables. */
  row: string | null;
  /** Panel title, or `$name` for a template variable's query. */
  panel: string;
  refId: string;
  expr: string;
}

const byPosition = (a: Panel, b: Panel) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0);

/**
 * Every target expression of every panel, each with its row: an expanded row owns the panels
 * below it (Grafana's layout), a collapsed row the panels it holds.
 */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  const collect = (p: Panel, row: string | null) => {
    for (const t of p.targets ?? []) {
      if (t.expr?.trim() && !t.hide) {
        queries.push({ dashboard: dashboard.title, uid: dashboard.uid, row, panel: p.title, refId: t.refId, expr: t.expr });
      }
    }
  };
  let row: string | null = null;
  for (const p of [...dashboard.panels].sort(byPosition)) {
    if (p.type !== 'row') {
      collect(p, row);
      continue;
    }
    row = p.title;
    for (const child of [...(p.panels ?? [])].sort(byPosition)) collect(child, row);
  }
  return queries;
}

/**
 * The PromQL inside the dashboard's query variables (`label_values(<expr>, label)` and
 * `query_result(<expr>)`): Grafana runs them too, so they are checked like panels.
 */
export function variableQueries(dashboard: Dashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const text = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const inner = /^\s*(?:label_values\(\s*(.+)\s*,\s*[a-zA-Z_]\w*\s*\)|query_result\(\s*(.+)\s*\))\s*$/s.exec(text);
    const expr = inner?.[1] ?? inner?.[2];
    if (expr) queries.push({ dashboard: dashboard.title, uid: dashboard.uid, row: null, panel: `$${v.name}`, refId: v.name, expr });
  }
  return queries;
}

// --- Variable substitution -----------------------------------------------------------------


const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
/** Grafana's regex spelling of chosen values: `a`, or `(a|b)`. */
const alternation = (values: readonly string[]) => (values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join('|')})`);

export interface SubstituteOptions {
  /** Selected values per template variable; a variable not given stands for All (`.*`). */
  values?: Record<string, readonly string[]>;
}

/**
 * What Grafana would send to Prometheus for `expr`: built-in intervals (`$__rate_interval`,
 * `$__range`, ...) become the durations of CHECK_INTERVALS, and template variables in label
 * matchers become regexes (`zone="$zone"` turns into `zone=~".*"`, or `zone=~"(a|b)"` for chosen
 * values), in any of Grafana's spellings (`$v`, `${v}`, `${v:fmt}`, `[[v]]`). Capture references
 * such as `"$1"` in label_replace are left alone; a variable used outside a matcher that has no
 * value is left as written, so Prometheus reports it. Throws on text that is not PromQL.
 */
export function substituteVariables(expr: string, options: SubstituteOptions = {}): string {
  const values = options.values ?? {};
  const edits: Array<{ start: number; end: number; text: string }> = [];

  for (const matcher of placedMatchers(expr)) {
    if (matcher.value.search(VARIABLE) < 0) continue;
    const regex = matcher.op === '=~' || matcher.op === '!~';
    let out = '';
    let last = 0;
    for (const m of matcher.value.matchAll(VARIABLE)) {
      const literal = matcher.value.slice(last, m.index);
      out += regex ? literal : escapeRegex(literal);
      const name = m[1] ?? m[2] ?? m[3]!;
      const chosen = values[name];
      out += name in CHECK_INTERVALS ? CHECK_INTERVALS[name] : chosen ? alternation(chosen) : '.*';
      last = m.index + m[0].length;
    }
    const rest = matcher.value.slice(last);
    out += regex ? rest : escapeRegex(rest);
    const negative = matcher.op === '!=' || matcher.op === '!~';
    edits.push({ ...matcher.opAt, text: negative ? '!~' : '=~' });
    edits.push({ start: matcher.valueAt.start, end: matcher.valueAt.end, text: stringLiteral(out, matcher.valueAt.quote) });
  }
  // Outside matchers only intervals and single chosen values have an obvious spelling.
  let out = '';
  let last = 0;
  for (const e of edits.sort((a, b) => a.start - b.start)) {
    out += replaceOutside(expr.slice(last, e.start)) + e.text;
    last = e.end;
  }
  return out + replaceOutside(expr.slice(last));

  function replaceOutside(text: string): string {
    return text.replace(VARIABLE, (whole: string, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (name in CHECK_INTERVALS) return CHECK_INTERVALS[name]!;
      const chosen = values[name];
      return chosen?.length === 1 ? chosen[0]! : whole;
    });
  }
}

// --- Live check -----------------------------------------------------------------------------

/** How one query fared against Prometheus. */
export interface QueryCheck extends PanelQuery {
  /** The expression as sent, after variable substitution. */
  query: string;
  /** parse_error: Prometheus refused it (400 bad_data); error: it failed while running. */
  status: 'ok' | 'empty' | 'parse_error' | 'error';
  message?: string;
  /** Series (or scalar) in the answer. */
  series: number;
  metrics: string[];
  /** True when every metric it reads is not exported yet or is an alert series: empty is expected. */
  emptyAllowed: boolean;
}

/** Queries in flight at once. */
const CONCURRENCY = 8;

interface QueryAnswer {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

/**
 * Runs every query through Prometheus's HTTP API (`/api/v1/query`, now, variables as All) and
 * reports, per query, whether it parsed, failed, came back empty or returned data. Throws only
 * when Prometheus cannot be reached at all.
 */
export async function checkQueries(prometheusUrl: string, queries: readonly PanelQuery[]): Promise<QueryCheck[]> {
  const endpoint = new URL('/api/v1/query', prometheusUrl);
  const results: QueryCheck[] = new Array<QueryCheck>(queries.length);

  /** The query to send and the metrics it reads; text the reader refuses goes as written, for Prometheus to judge. */
  const read = (expr: string) => {
    try {
      return { query: substituteVariables(expr), metrics: queryMetrics(expr) };
    } catch {
      return { query: expr, metrics: [] };
    }
  };

  const checkOne = async (q: PanelQuery): Promise<QueryCheck> => {
    const { query, metrics } = read(q.expr);
    const emptyAllowed = metrics.length > 0 && metrics.every((m) => notYetExported(m) || ALERT_SERIES.includes(m));
    const body = new URLSearchParams({ query });
    const res = await fetch(endpoint, { method: 'POST', body });
    const answer = (await res.json()) as QueryAnswer;
    const base = { ...q, query, metrics, emptyAllowed };
    if (answer.status !== 'success') {
      const status = res.status === 400 && answer.errorType === 'bad_data' ? 'parse_error' : 'error';
      return { ...base, status, series: 0, message: `${answer.errorType}: ${answer.error}` };
    }
    const { resultType, result } = answer.data!;
    // A scalar or string answer is one value, not a list of series.
    const series = resultType === 'scalar' || resultType === 'string' ? 1 : result.length;
    return { ...base, status: series > 0 ? 'ok' : 'empty', series };
  };

  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const n = next++;
      results[n] = await checkOne(queries[n]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}
