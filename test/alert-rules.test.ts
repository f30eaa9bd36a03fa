import assert from 'node:assert/strict';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  loadRuleFile,
  loadRules,
  PROMETHEUS_DIR,
  ruleFiles,
  scrapedMetricsUsedBy,
  type Alert,
  type Recording,
} from '../src/observability/alert-rules.ts';
import { queryMetrics } from '../src/observability/promql.ts';
import { checkWith } from '../src/ops/cluster/engines/deploy.ts';

const PROMTOOL = '/usr/bin/promtool';
const ROOT = path.resolve(import.meta.dirname, '..');
const TESTS_DIR = path.join(PROMETHEUS_DIR, 'tests');

/** The plan's four tiers (seed 001): file, severity, group name, and how many alerts at least. */
const TIERS = [
  { file: 'tier1-critical.yml', tier: '1', severity: 'critical', group: 'infrastructure_critical', atLeast: 12 },
  { file: 'tier2-high.yml', tier: '2', severity: 'high', group: 'performance_high', atLeast: 15 },
  { file: 'tier3-medium.yml', tier: '3', severity: 'medium', group: 'resources_medium', atLeast: 18 },
  { file: 'tier4-low.yml', tier: '4', severity: 'low', group: 'informational_low', atLeast: 7 },
];

interface AlertCase {
  alertname: string;
  exp_alerts?: Array<{ exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }>;
}
interface TestGroup {
  input_series?: Array<{ series: string }>;
  alert_rule_test?: AlertCase[];
  promql_expr_test?: Array<{ expr: string }>;
}

describe('Prometheus alert rules', () => {
  let files: { alerting: string[]; recording: string };
  let alerts: Alert[];
  let recordings: Recording[];
  let testFiles: string[];
  let groups: TestGroup[];

  before(async () => {
    files = await ruleFiles();
    ({ alerts, recordings } = await loadRules([...files.alerting, files.recording]));
    testFiles = (await readdir(TESTS_DIR)).filter((f) => f.endsWith('.yml')).map((f) => path.join(TESTS_DIR, f));
    groups = [];
    for (const file of testFiles) {
      const doc = parseYaml(await readFile(file, 'utf8')) as { tests?: TestGroup[] };
      groups.push(...(doc.tests ?? []));
    }
  });

  it('pass promtool check rules', async () => {
    for (const file of [...files.alerting, files.recording]) await checkWith(PROMTOOL, ['check', 'rules', file]);
  });

  it('pass every promtool test rules case', async () => {
    assert.ok(testFiles.length >= 5, `expected the tier and recording test files, found ${testFiles.length}`);
    await Promise.all(testFiles.map((file) => checkWith(PROMTOOL, ['test', 'rules', file])));
  });

  it("hold the plan's four tiers: at least 52 alerts, 12/15/18/7, one file and group each", async () => {
    assert.deepEqual(
      files.alerting.map((f) => path.basename(f)),
      TIERS.map((t) => t.file),
    );
    for (const tier of TIERS) {
      const file = path.join(PROMETHEUS_DIR, 'rules', tier.file);
      const inFile = alerts.filter((a) => a.file === file);
      assert.ok(inFile.length >= tier.atLeast, `${tier.file}: ${inFile.length} alerts, the plan has ${tier.atLeast}`);
      assert.ok(
        (await loadRuleFile(file)).groups.some((g) => g.name === tier.group),
        `${tier.file} has no group ${tier.group}`,
      );
      for (const alert of inFile) {
        assert.equal(alert.labels.tier, tier.tier, `${alert.name}: tier label`);
        assert.equal(alert.labels.severity, tier.severity, `${alert.name}: severity label`);
      }
    }
    assert.ok(alerts.length >= 52, `${alerts.length} alerts`);
  });

  it('name each alert once and give it a summary, a description and its runbook', async () => {
    const names = alerts.map((a) => a.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      'duplicate alert names',
    );
    const index = await readFile(path.join(ROOT, 'docs', 'runbooks', 'README.md'), 'utf8');
    for (const alert of alerts) {
      assert.ok(alert.annotations.summary?.trim(), `${alert.name}: summary`);
      assert.ok(alert.annotations.description?.trim(), `${alert.name}: description`);
      assert.equal(alert.annotations.runbook_url, `docs/runbooks/${alert.name}.md`, `${alert.name}: runbook_url`);
      await access(path.join(ROOT, alert.annotations.runbook_url)).catch(() => assert.fail(`${alert.name}: ${alert.annotations.runbook_url} is missing`));
      assert.ok(index.includes(`(${alert.name}.md)`), `docs/runbooks/README.md does not link ${alert.name}`);
    }
    const runbooks = (await readdir(path.join(ROOT, 'docs', 'runbooks'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
    assert.deepEqual(
      runbooks.filter((f) => !names.includes(f.slice(0, -3))),
      [],
      'runbooks without an alert',
    );
  });

  it('show every alert firing, with its labels and annotations, and not firing', () => {
    const cases = groups.flatMap((g) => g.alert_rule_test ?? []);
    for (const alert of alerts) {
      const own = cases.filter((c) => c.alertname === alert.name);
      const firing = own.filter((c) => (c.exp_alerts ?? []).length > 0);
      assert.ok(firing.length > 0, `${alert.name} has no promtool case where it fires`);
      assert.ok(
        own.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert.name} has no promtool case where it does not fire`,
      );
      for (const expected of firing.flatMap((c) => c.exp_alerts!)) {
        assert.equal(expected.exp_labels?.severity, alert.labels.severity, `${alert.name}: a case without its severity`);
        assert.equal(expected.exp_labels?.tier, alert.labels.tier, `${alert.name}: a case without its tier`);
        assert.deepEqual(
          Object.keys(expected.exp_annotations ?? {}).sort(),
          ['description', 'runbook_url', 'summary'],
          `${alert.name}: a case that does not check every annotation`,
        );
      }
    }
    const known = new Set(alerts.map((a) => a.name));
    assert.deepEqual(
      cases.filter((c) => !known.has(c.alertname)).map((c) => c.alertname),
      [],
      'cases for alerts that do not exist',
    );
  });

  it('feed the tests every metric an alert reads (so a wrong metric name cannot pass)', () => {
    const missing: Record<string, string[]> = {};
    for (const alert of alerts) {
      const fed = new Set(
        groups
          .filter((g) => (g.alert_rule_test ?? []).some((c) => c.alertname === alert.name))
          .flatMap((g) => (g.input_series ?? []).map((s) => s.series.split('{')[0]!.trim())),
      );
      const unfed = scrapedMetricsUsedBy(alert.expr, recordings).filter((m) => !fed.has(m));
      if (unfed.length > 0) missing[alert.name] = unfed;
    }
    assert.deepEqual(missing, {}, 'alerts that read metrics no test of theirs provides');
  });

  it('check every recording rule with a promql_expr_test', () => {
    const checked = new Set(groups.flatMap((g) => g.promql_expr_test ?? []).flatMap((t) => queryMetrics(t.expr)));
    assert.deepEqual(
      recordings.map((r) => r.name).filter((name) => !checked.has(name)),
      [],
      'recording rules no promql_expr_test evaluates',
    );
  });
});
