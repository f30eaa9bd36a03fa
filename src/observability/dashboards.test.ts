import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  loadDashboards,
  panelQueries,
  substituteVariables,
  variableQueries,
  type Dashboard,
  type Panel,
} from './dashboards.ts';
import { GRAFANA_VARIABLE, queryJobs, querySelectors } from './promql.ts';

const DIR = path.resolve(import.meta.dirname, '../../deploy/grafana/dashboards');

// Seed 000 section 4.2.1: dashboards 1-6 with their rows and panels, in the plan's order.
const PLAN_LAYOUTS: Record<string, Array<[string, string[]]>> = {
  'JiVS Platform - System Overview': [
    ['Service Health', ['Service Uptime (99.7% target)', 'Active Users (real-time)', 'Request Rate (req/sec)', 'Error Rate (%)']],
    ['Infrastructure', ['CPU Usage by Pod (%)', 'Memory Usage by Pod (GB)', 'Network I/O (MB/s)', 'Disk I/O (IOPS)']],
    ['Database & Cache', ['PostgreSQL Connections (active/idle)', 'Database Query Rate (queries/sec)', 'Redis Hit Rate (%)', 'Cache Memory Usage (GB)']],
    ['Application Metrics', ['Active Extractions (count)', 'Active Migrations (count)', 'Queue Depth (messages)', 'API Latency p95 (ms)']],
  ],
  'JiVS Platform - Application Performance': [
    ['HTTP Metrics', ['Request Rate by Endpoint', 'Response Time by Endpoint (p50, p95, p99)', 'HTTP Status Codes Distribution', 'Slowest Endpoints (top 10)', 'Error Spike Detection']],
    ['JVM Metrics', ['Heap Memory Usage (used/max)', 'GC Pause Time (ms)', 'GC Count (count/min)', 'Thread Count (active/peak)', 'Class Loading (loaded/total)']],
    ['Database Queries', ['Query Execution Time (p95)', 'Slow Queries (>1s)', 'Connection Pool Utilization (%)', 'Transaction Rate (commits/sec)']],
    ['Cache Performance', ['Cache Hit/Miss Rate', 'Cache Evictions (count)', 'Cache Command Rate (ops/sec)']],
    ['Business Metrics', ['Extraction Throughput (records/min)', 'Migration Success Rate (%)', 'Data Quality Score (0-100)']],
  ],
  'PostgreSQL Cluster Performance': [
    ['Replication Health', ['Replication Lag (seconds)', 'WAL Files Generated (count/hour)', 'Replica Connection Status']],
    ['Query Performance', ['Active Queries (count)', 'Long-Running Queries (>5s)', 'Query Wait Events']],
    ['Resource Utilization', ['Connection Distribution (primary vs. replicas)', 'Cache Hit Ratio (%)', 'Checkpoint Activity']],
    ['Table Statistics', ['Table Bloat (%)', 'Index Usage (scans vs. seeks)', 'Vacuum Activity']],
  ],
  'Redis Sentinel Cluster': [
    ['Cluster Health', ['Master/Replica Status', 'Sentinel Quorum Status', 'Replication Offset Lag (bytes)']],
    ['Performance', ['Commands Per Second', 'Hit Rate by Key Pattern', 'Slowlog Entries']],
    ['Memory', ['Memory Usage by Node', 'Evicted Keys (count)', 'Keyspace Size (keys)']],
  ],
  'Kubernetes Resources': [
    ['Node Health', ['Node Status (Ready/NotReady)', 'Node CPU Usage (%)', 'Node Memory Usage (%)']],
    ['Pod Health', ['Pod Status (Running/Pending/Failed)', 'Pod Restarts (count)', 'Container CPU Throttling']],
    ['HPA Metrics', ['Current Replicas vs. Desired', 'Scaling Events (last 24h)', 'Resource Utilization Triggers']],
    ['PVC & Storage', ['Persistent Volume Usage (%)', 'I/O Wait Time (ms)', 'Storage Throughput (MB/s)']],
  ],
  'JiVS Business Metrics': [
    ['Extraction Metrics', ['Extractions Created (count)', 'Extraction Success Rate (%)', 'Records Extracted (total)', 'Average Extraction Time (min)']],
    ['Migration Metrics', ['Migrations Completed (count)', 'Migration Success Rate (%)', 'Records Migrated (total)', 'Average Migration Time (min)']],
    ['Data Quality', ['Quality Rules Executed (count)', 'Issues Detected (count)', 'Overall Quality Score (0-100)', 'Compliance Rate (%)']],
  ],
};

// Dashboards 7-15: the plan names them; seed 001 gives their panel counts.
const PLAN_PANEL_COUNTS: Record<string, number> = {
  'Security Events Dashboard': 9,
  'Compliance Audit Dashboard': 8,
  'Cost Optimization Dashboard': 8,
  'User Activity Dashboard': 8,
  'API Gateway Dashboard': 8,
  'Message Queue Dashboard': 8,
  'Log Analytics Dashboard': 8,
  'Incident Response Dashboard': 8,
  'SLA Tracking Dashboard': 8,
};

// The scrape contract's job names.
const JOBS = ['jivs-app', 'patroni', 'postgres', 'redis', 'sentinel', 'haproxy', 'pgbouncer', 'node', 'etcd', 'prometheus', 'alertmanager'];
const BUILT_INS = ['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms'];

/** Every panel of a dashboard, rows included, with collapsed rows' panels. */
const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/**
 * Rows with the titles of their panels, from the layout: a panel belongs to the row whose band
 * (from its y to the next row's y) holds the panel's y; panels of a collapsed row are its own.
 */
function layout(d: Dashboard): Array<[string, string[]]> {
  const rows = d.panels.filter((p) => p.type === 'row').sort((a, b) => a.gridPos!.y - b.gridPos!.y);
  return rows.map((row, n) => {
    const end = rows[n + 1]?.gridPos!.y ?? Infinity;
    const members = row.collapsed
      ? (row.panels ?? [])
      : d.panels.filter((p) => p.type !== 'row' && p.gridPos!.y > row.gridPos!.y && p.gridPos!.y < end);
    const ordered = [...members].sort((a, b) => a.gridPos!.y * 100 + a.gridPos!.x - (b.gridPos!.y * 100 + b.gridPos!.x));
    return [row.title, ordered.map((p) => p.title)];
  });
}

describe('the Grafana dashboards in deploy/grafana/dashboards', () => {
  let dashboards: Dashboard[];
  before(async () => {
    dashboards = await loadDashboards(DIR);
  });

  it("are the plan's 15, each with its title, and unique uids", () => {
    assert.equal(dashboards.length, 15);
    assert.deepEqual(dashboards.map((d) => d.title).sort(), [...Object.keys(PLAN_LAYOUTS), ...Object.keys(PLAN_PANEL_COUNTS)].sort());
    assert.equal(new Set(dashboards.map((d) => d.uid)).size, 15);
    for (const d of dashboards) assert.match(d.uid, /^jivs-[a-z0-9-]+$/, d.title);
  });

  it("keep the plan's rows and panel titles for dashboards 1-6", () => {
    for (const [title, rows] of Object.entries(PLAN_LAYOUTS)) {
      const d = dashboards.find((x) => x.title === title)!;
      assert.deepEqual(layout(d), rows, title);
      assert.ok(!d.panels.some((p) => p.type !== 'row' && (p.gridPos?.y ?? 0) < Math.min(...d.panels.filter((r) => r.type === 'row').map((r) => r.gridPos!.y))), `${title}: a panel above the first row`);
    }
  });

  it("have seed 001's panel counts for dashboards 7-15, every panel in a row", () => {
    for (const [title, count] of Object.entries(PLAN_PANEL_COUNTS)) {
      const d = dashboards.find((x) => x.title === title)!;
      const inRows = layout(d).flatMap(([, panels]) => panels);
      assert.equal(inRows.length, count, title);
      assert.equal(allPanels(d).filter((p) => p.type !== 'row').length, count, `${title}: panels outside rows`);
    }
  });

  it('have panel ids unique within each dashboard', () => {
    for (const d of dashboards) {
      const ids = allPanels(d).map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, d.title);
    }
  });

  it('give every panel but rows and text at least one query, all on the same Prometheus datasource variable', () => {
    for (const d of dashboards) {
      assert.ok(d.templating?.list.some((v) => v.name === 'DS_PROMETHEUS' && v.type === 'datasource'), `${d.title}: DS_PROMETHEUS`);
      assert.ok(d.templating?.list.some((v) => v.name === 'zone'), `${d.title}: zone variable`);
      for (const p of allPanels(d).filter((x) => x.type !== 'row' && x.type !== 'text')) {
        assert.ok(p.targets?.some((t) => t.expr?.trim()), `${d.title} / ${p.title}: no query`);
        assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, `${d.title} / ${p.title}`);
        for (const t of p.targets ?? []) assert.deepEqual(t.datasource, p.datasource, `${d.title} / ${p.title} ${t.refId}`);
      }
    }
  });

  it('use only variables they define, and read only jobs of the scrape contract', () => {
    for (const d of dashboards) {
      const defined = new Set([...(d.templating?.list.map((v) => v.name) ?? []), ...BUILT_INS]);
      for (const q of [...panelQueries(d), ...variableQueries(d)]) {
        for (const m of q.expr.matchAll(GRAFANA_VARIABLE)) {
          const name = m[1] ?? m[2] ?? m[3]!;
          assert.ok(defined.has(name), `${d.title} / ${q.panel}: $${name} is not defined`);
        }
        for (const s of querySelectors(q.expr)) {
          if (s.metric === 'ALERTS') continue;
          const job = s.matchers.find((m) => m.label === 'job');
          assert.ok(job, `${d.title} / ${q.panel}: ${s.metric} has no job matcher`);
        }
        for (const job of queryJobs(q.expr)) assert.ok(JOBS.includes(job), `${d.title} / ${q.panel}: unknown job ${job}`);
      }
    }
  });
});

describe('panelQueries', () => {
  it('finds every target expression, with its row, including panels of collapsed rows', async () => {
    const [postgres] = (await loadDashboards(DIR)).filter((d) => d.uid === 'jivs-postgresql-cluster');
    const queries = panelQueries(postgres!);
    // Counted from the file's text: every "expr" key is one target.
    const text = await readFile(path.join(DIR, postgres!.file), 'utf8');
    assert.equal(queries.length, text.match(/"expr":/g)!.length);
    const bloat = queries.find((q) => q.panel === 'Table Bloat (%)');
    assert.equal(bloat?.row, 'Table Statistics');
    assert.ok(postgres!.panels.find((p) => p.title === 'Table Statistics')?.collapsed, 'the row is collapsed in the file');
    assert.deepEqual(
      queries.filter((q) => q.panel === 'Replica Connection Status').map((q) => [q.row, q.refId]),
      [['Replication Health', 'A'], ['Replication Health', 'B'], ['Replication Health', 'C'], ['Replication Health', 'D']],
    );
    assert.equal(queries.find((q) => q.panel === 'Checkpoint Activity')?.row, 'Resource Utilization');
  });

  it('skips hidden and empty targets and keeps panels above the first row without a row', () => {
    const d: Dashboard = {
      file: 'x.json',
      uid: 'x',
      title: 'X',
      panels: [
        { id: 2, type: 'row', title: 'Second', gridPos: { x: 0, y: 10, w: 24, h: 1 } },
        { id: 3, type: 'stat', title: 'Lower', gridPos: { x: 0, y: 11, w: 6, h: 4 }, targets: [{ refId: 'A', expr: 'up{job="x"}' }, { refId: 'B', expr: 'up', hide: true }] },
        { id: 1, type: 'stat', title: 'Top', gridPos: { x: 0, y: 0, w: 6, h: 4 }, targets: [{ refId: 'A', expr: ' ' }, { refId: 'B', expr: 'time()' }] },
      ],
    };
    assert.deepEqual(
      panelQueries(d).map((q) => [q.row, q.panel, q.refId]),
      [[null, 'Top', 'B'], ['Second', 'Lower', 'A']],
    );
  });
});

describe('variableQueries', () => {
  it("takes the PromQL out of label_values and query_result, and ignores the datasource and label-only variables", () => {
    const d: Dashboard = {
      file: 'x.json',
      uid: 'x',
      title: 'X',
      panels: [],
      templating: {
        list: [
          { name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' },
          { name: 'member', type: 'query', query: 'label_values(up{job="redis", zone=~"$zone"}, member)' },
          { name: 'top', type: 'query', query: { query: 'query_result(topk(3, redis_db_keys{job="redis"}))' } },
          { name: 'zone', type: 'query', query: 'label_values(zone)' },
        ],
      },
    };
    assert.deepEqual(
      variableQueries(d).map((q) => [q.panel, q.expr]),
      [
        ['$member', 'up{job="redis", zone=~"$zone"}'],
        ['$top', 'topk(3, redis_db_keys{job="redis"})'],
      ],
    );
  });
});

describe('substituteVariables', () => {
  it('turns template variables in matchers into regex matchers Prometheus accepts, in every spelling', () => {
    assert.equal(substituteVariables('up{zone="$zone"}'), 'up{zone=~".*"}');
    assert.equal(substituteVariables('up{zone!="$zone"}'), 'up{zone!~".*"}');
    assert.equal(substituteVariables('up{zone=~"${zone}", member=~"[[member]]"}'), 'up{zone=~".*", member=~".*"}');
    assert.equal(substituteVariables('up{zone=~"${zone:regex}"}'), 'up{zone=~".*"}');
    assert.equal(substituteVariables("up{zone='$zone'}"), 'up{zone=~".*"}');
  });

  it('uses chosen values, escaped as regex where the matcher was an equality', () => {
    assert.equal(substituteVariables('up{zone=~"$zone"}', { values: { zone: ['a', 'b'] } }), 'up{zone=~"(a|b)"}');
    assert.equal(substituteVariables('up{member=~"app-$zone"}', { values: { zone: ['a', 'b'] } }), 'up{member=~"app-(a|b)"}');
    assert.equal(substituteVariables('up{member="$member"}', { values: { member: ['app.a'] } }), 'up{member=~"app\\\\.a"}');
    assert.equal(substituteVariables('up{route="/api/v1.$x"}'), 'up{route=~"/api/v1\\\\..*"}');
  });

  it("replaces Grafana's interval variables, longest name first, and leaves capture references alone", () => {
    assert.equal(
      substituteVariables('rate(x[$__rate_interval]) * $__range_s / $__interval_ms + avg_over_time(y[$__range:$__interval]) offset ${__range}'),
      'rate(x[1m]) * 3600 / 15000 + avg_over_time(y[1h:15s]) offset 1h',
    );
    const replace = 'label_replace(up{job="x"}, "feature", "$1", "route", "/api/v1/([^/]+).*")';
    assert.equal(substituteVariables(replace), replace);
  });

  it('leaves a variable it cannot spell outside a matcher, so Prometheus reports it', () => {
    assert.equal(substituteVariables('topk($n, up)'), 'topk($n, up)');
    assert.equal(substituteVariables('topk($n, up)', { values: { n: ['5'] } }), 'topk(5, up)');
  });

  it('leaves no variable in any dashboard query', async () => {
    for (const d of await loadDashboards(DIR)) {
      for (const q of [...panelQueries(d), ...variableQueries(d)]) {
        const out = substituteVariables(q.expr);
        assert.doesNotMatch(out, /\$[a-zA-Z_{]|\[\[/, `${d.title} / ${q.panel}: ${out}`);
        // The matchers that held a variable are now regex matchers over everything.
        const before = querySelectors(q.expr).flatMap((s) => s.matchers).filter((m) => m.value.includes('$'));
        const after = querySelectors(out).flatMap((s) => s.matchers);
        for (const m of before) assert.ok(after.some((a) => a.label === m.label && a.value === '.*' && a.op.endsWith('~')), `${q.panel}: ${m.label}`);
      }
    }
  });
});
