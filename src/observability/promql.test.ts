import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placedMatchers, queryJobs, queryMetrics, querySelectors, stringLiteral } from './promql.ts';

describe('queryMetrics', () => {
  it('finds plain selectors and selectors with matchers', () => {
    assert.deepEqual(queryMetrics('up'), ['up']);
    assert.deepEqual(queryMetrics('up{job="jivs-app", member=~"app-.*"} == 0'), ['up']);
    assert.deepEqual(queryMetrics('redis_up{job="redis"} == 0 or on (member) up{job="redis"} == 0'), ['redis_up', 'up']);
  });

  it('leaves out functions, aggregations, grouping labels and keywords', () => {
    const filter = `sum by (job, instance, member, zone, role) (increase(db_pool_timeouts_total{job="jivs-app"}[5m])) > 0
      and on (member) max_over_time(patroni_primary{job="patroni"}[15m]) == bool 1`;
    assert.deepEqual(queryMetrics(filter), ['db_pool_timeouts_total', 'patroni_primary']);
    const join = 'db_pool_connections * ignoring (state) group_left (zone) avg without (cpu) (rate(node_cpu_seconds_total[5m] offset 1d))';
    assert.deepEqual(queryMetrics(join), ['db_pool_connections', 'node_cpu_seconds_total']);
    const dashboard =
      'sum by (member, le) (rate(http_server_requests_seconds_bucket{job="jivs-app", route=~"/api/.*"}[5m])) / on (member) group_left () max by (member) (up{job=~"jivs-app|node"}) or vector(0) > bool 1e3 offset 5m';
    assert.deepEqual(queryMetrics(dashboard), ['http_server_requests_seconds_bucket', 'up']);
    assert.deepEqual(queryMetrics('count(ALERTS{alertstate="firing"}) - 1'), ['ALERTS']);
  });

  it('takes the aggregation clause before or after the parenthesis', () => {
    assert.deepEqual(queryMetrics('sum(rate(a_total[5m])) by (le) / count without (instance) (b)'), ['a_total', 'b']);
    assert.deepEqual(queryMetrics('histogram_quantile(0.95, sum by (job, le) (rate(x_bucket{route!~"/health.*"}[5m])))'), ['x_bucket']);
    assert.deepEqual(queryMetrics('topk(5, count_values("version", build_info)) > quantile(0.9, c)'), ['build_info', 'c']);
  });

  it('ignores strings, numbers and durations, including label_replace arguments and subqueries', () => {
    const expr = `label_replace(pg_stat_replication_pg_wal_lsn_diff{state="streaming"}, "member", "$1", "application_name", "(.+)")
      * 1.5e3 - 0x1F + Inf - NaN + vector(0) + time() + max_over_time(deriv(z[1h30m:30s] @ 1700000000)[5m:])`;
    assert.deepEqual(queryMetrics(expr), ['pg_stat_replication_pg_wal_lsn_diff', 'z']);
  });

  it('keeps recording-rule names (with colons) and reads {__name__="..."} selectors', () => {
    assert.deepEqual(queryMetrics('job:slo_burn_rate:1h{job="jivs-app"} > 14.4 and {__name__="raw_total", job="x"}'), [
      'job:slo_burn_rate:1h',
      'raw_total',
    ]);
    assert.deepEqual(queryMetrics('{__name__="foo"}'), ['foo']);
    // A regex on the name selects no name we can list.
    assert.deepEqual(queryMetrics('{__name__=~"node_.*"}'), []);
  });

  it('treats keywords case-insensitively and a metric named like a function as a metric', () => {
    assert.deepEqual(queryMetrics('SUM BY (job) (rate) AND ON (job) Count(x)'), ['rate', 'x']);
    assert.deepEqual(queryMetrics('x > inf or y < -INF unless z != nan'), ['x', 'y', 'z']);
  });

  it('skips comments, escaped quotes and brackets inside strings', () => {
    assert.deepEqual(queryMetrics('a{l="say \\"b{c}\\""} # then d\n + e'), ['a', 'e']);
    assert.deepEqual(queryMetrics('x{a="}{"} + y[1h:1m] + z'), ['x', 'y', 'z']);
  });

  it('reads Grafana variables as single tokens, not selectors', () => {
    assert.deepEqual(queryMetrics('rate(x[$__rate_interval]) + y[${__range}:[[step]]] + z offset $__range'), ['x', 'y', 'z']);
  });

  it('refuses text that is not PromQL instead of guessing', () => {
    assert.throws(() => queryMetrics('up{job="x"'), /unbalanced/);
    assert.throws(() => queryMetrics('rate(x[5m)'), /unbalanced/);
    assert.throws(() => queryMetrics('up ; down'), /cannot read PromQL/);
    assert.throws(() => queryMetrics('up{job="x}'), /cannot read PromQL/);
  });
});

/** `querySelectors` without the places of the matchers. */
const selectorsOf = (expr: string) =>
  querySelectors(expr).map(({ metric, matchers }) => ({ metric, matchers: matchers.map(({ label, op, value }) => ({ label, op, value })) }));

describe('querySelectors and queryJobs', () => {
  it('give each selector its metric and unquoted matchers, and the jobs its job matchers name', () => {
    assert.deepEqual(selectorsOf('{__name__="foo", a!="b"}'), [
      {
        metric: undefined,
        matchers: [
          { label: '__name__', op: '=', value: 'foo' },
          { label: 'a', op: '!=', value: 'b' },
        ],
      },
    ]);
    assert.deepEqual(selectorsOf("a{l='x\\ty', m=~`\\d+`, n!~\"\\u00e9\\x41\\101\"} / b"), [
      {
        metric: 'a',
        matchers: [
          { label: 'l', op: '=', value: 'x\ty' },
          { label: 'm', op: '=~', value: '\\d+' },
          { label: 'n', op: '!~', value: 'éAA' },
        ],
      },
      { metric: 'b', matchers: [] },
    ]);
    assert.deepEqual(queryJobs('up{job="jivs-app"} + on (job) node_load1{job=~"node|etcd"} + up{job="node"} + up{job!="x"}'), ['jivs-app', 'node', 'etcd']);
  });
});

describe('placedMatchers and stringLiteral', () => {
  it('place each operator and value literal so they can be rewritten in place', () => {
    const expr = 'up{zone="$zone", route=~`/api/.*`}';
    const spans = placedMatchers(expr).map((m) => [expr.slice(m.opAt.start, m.opAt.end), expr.slice(m.valueAt.start, m.valueAt.end), m.valueAt.quote]);
    assert.deepEqual(spans, [
      ['=', '"$zone"', '"'],
      ['=~', '`/api/.*`', '`'],
    ]);
  });

  it('write literals the tokenizer reads back to the same value', () => {
    for (const [value, quote] of [['a "b" \\c\nd', '"'], ['x`y', '`'], ['\\d+', '`']] as const) {
      const [matcher] = querySelectors(`m{l=${stringLiteral(value, quote)}}`)[0]!.matchers;
      assert.equal(matcher!.value, value);
    }
    assert.equal(stringLiteral('\\d+', '`'), '`\\d+`');
  });
});
