import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openScanSession } from '../src/modules/quality/scan-session.ts';
import { SCORE_FORMULA } from '../src/modules/quality/scoring.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset, type ArchivedDataset } from './support/archive-fixtures.ts';
import { createRule, runCheck, sendQualityJob, waitForCheck } from './support/quality.ts';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

const COLUMNS = [
  { name: 'id', type: 'integer' },
  { name: 'email', type: 'text' },
  { name: 'country', type: 'text' },
  { name: 'age', type: 'integer' },
  { name: 'start_date', type: 'date' },
  { name: 'end_date', type: 'date' },
  { name: 'updated_at', type: 'timestamp with time zone' },
  { name: 'manager_id', type: 'integer' },
];
type Person = [number, string | null, string | null, number, string, string | null, string, number | null];
// Ten people with known defects: two missing e-mails, one duplicate e-mail, one malformed e-mail,
// an age out of range, an unknown country, a missing country, an end before its start, and a
// manager that does not exist.
const PEOPLE: Person[] = [
  [1, 'ann@example.com', 'CH', 34, '2020-01-01', '2020-12-31', hoursAgo(1), null],
  [2, 'bob@example.com', 'DE', 41, '2021-01-01', '2021-06-30', hoursAgo(2), 1],
  [3, null, 'CH', 29, '2021-03-01', null, hoursAgo(3), 1],
  [4, 'dan@example.com', 'FR', 150, '2021-04-01', '2021-05-01', hoursAgo(4), 2],
  [5, 'eve@example', 'CH', 38, '2021-05-01', '2021-05-02', hoursAgo(5), 2],
  [6, null, 'XX', 45, '2021-06-01', '2021-07-01', hoursAgo(6), 99],
  [7, 'gus@example.com', 'DE', 52, '2022-05-01', '2022-01-01', hoursAgo(7), 3],
  [8, 'hal@example.com', 'CH', 23, '2022-06-01', '2022-07-01', hoursAgo(8), 3],
  [9, 'ann@example.com', 'IT', 31, '2022-07-01', '2022-08-01', hoursAgo(9), 4],
  [10, 'jon@example.com', null, 27, '2022-08-01', null, hoursAgo(10), 4],
];
const MANAGER_IDS = [1, 2, 3, 4];
const EMAIL = /^[a-z]+@[a-z]+\.[a-z]+$/;
const COUNTRIES = ['CH', 'DE', 'FR', 'IT'];
const DAY = 86_400;

const round2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('quality checks: scores, issues, metrics', () => {
  let t: TestApp;
  let token: string;
  let people: ArchivedDataset;
  let managers: ArchivedDataset;
  const ruleIds: Record<string, string> = {};

  before(async () => {
    t = await startTestApp();
    token = await t.login();
    people = await createArchivedDataset(t, { columns: COLUMNS, rows: PEOPLE, name: 'people' });
    managers = await createArchivedDataset(t, { columns: [{ name: 'id', type: 'integer' }], rows: MANAGER_IDS.map((id) => [id]) });
    const rules: Record<string, Record<string, unknown>> = {
      notNullEmail: { kind: 'not_null', column: 'email' },
      countryFill: { kind: 'min_fill_rate', column: 'country', threshold: 0.95 },
      uniqueEmail: { kind: 'unique', columns: ['email'] },
      emailRegex: { kind: 'regex', column: 'email', pattern: EMAIL.source },
      ageRange: { kind: 'range', column: 'age', min: 0, max: 120 },
      countryAllowed: { kind: 'allowed_values', column: 'country', values: COUNTRIES },
      datesOrdered: { kind: 'expression', expression: { left: 'end_date', op: '>=', right: { column: 'start_date' } } },
      managerExists: { kind: 'references', column: 'manager_id', datasetId: managers.datasetId, targetColumn: 'id' },
      updatedFresh: { kind: 'max_age', column: 'updated_at', maxAgeSeconds: DAY },
      startFresh: { kind: 'max_age', column: 'start_date', maxAgeSeconds: DAY },
    };
    for (const [key, rule] of Object.entries(rules)) ruleIds[key] = await createRule(t, token, people.datasetId, rule, key);
  });
  after(() => t?.close());

  it('scores every rule, dimension and the whole dataset as computed by hand from the data', async () => {
    const check = await runCheck(t, token, people.datasetId);
    assert.equal(check.status, 'completed', check.error ?? '');
    assert.equal(check.totalRows, PEOPLE.length);

    // Failing rows per rule, counted here from the fixture itself.
    const total = PEOPLE.length;
    const emails = PEOPLE.map((p) => p[1]).filter((e): e is string => e !== null);
    const failing = {
      notNullEmail: PEOPLE.filter((p) => p[1] === null).length,
      uniqueEmail: emails.length - new Set(emails).size,
      emailRegex: emails.filter((e) => !EMAIL.test(e)).length,
      ageRange: PEOPLE.filter((p) => p[3] < 0 || p[3] > 120).length,
      countryAllowed: PEOPLE.filter((p) => p[2] !== null && !COUNTRIES.includes(p[2])).length,
      datesOrdered: PEOPLE.filter((p) => p[5] !== null && p[5] < p[4]).length,
      managerExists: PEOPLE.filter((p) => p[7] !== null && !MANAGER_IDS.includes(p[7])).length,
    };
    assert.deepEqual(Object.values(failing), [2, 1, 1, 1, 1, 1, 1], 'the fixture has the defects it claims');
    const rowScore = (n: number) => 100 * (1 - n / total);
    const fillRate = PEOPLE.filter((p) => p[2] !== null).length / total;
    const expected = {
      completeness: mean([rowScore(failing.notNullEmail), 100 * Math.min(1, fillRate / 0.95)]),
      uniqueness: rowScore(failing.uniqueEmail),
      validity: mean([rowScore(failing.emailRegex), rowScore(failing.ageRange), rowScore(failing.countryAllowed)]),
      consistency: rowScore(failing.datesOrdered),
      referential_integrity: rowScore(failing.managerExists),
      // updated_at is an hour old (passes), start_date years old (fails): pass/fail means 100 and 0.
      freshness: mean([100, 0]),
    };
    const overall = mean(Object.values(expected));
    assert.deepEqual(check.scores, {
      overall: round2(overall),
      dimensions: Object.fromEntries(Object.entries(expected).map(([d, s]) => [d, round2(s)])),
    });

    const byRule = new Map<string, any>(check.rules.map((r: any) => [r.ruleId, r]));
    for (const [key, n] of Object.entries(failing)) {
      const rule = byRule.get(ruleIds[key]!);
      assert.equal(rule.failingRows, n, key);
      assert.equal(rule.status, 'failed', key);
      assert.equal(rule.score, round2(rowScore(n)), key);
    }
    assert.equal(byRule.get(ruleIds.countryFill!).status, 'failed');
    assert.equal(byRule.get(ruleIds.countryFill!).failingRows, 1);
    assert.deepEqual(
      { status: byRule.get(ruleIds.updatedFresh!).status, score: byRule.get(ruleIds.updatedFresh!).score },
      { status: 'passed', score: 100 },
    );
    assert.equal(byRule.get(ruleIds.startFresh!).failingRows, total);
    assert.equal(byRule.get(ruleIds.startFresh!).dimension, 'freshness');

    // Issues: every rule that did not pass, with the failing rows as samples.
    const issues = await t.request('GET', `/api/v1/quality/checks/${check.id}/issues`, { token });
    assert.equal(issues.status, 200);
    const byIssue = new Map<string, any>(issues.body.items.map((i: any) => [i.ruleId, i]));
    assert.equal(byIssue.size, 9);
    assert.ok(!byIssue.has(ruleIds.updatedFresh!), 'a passing rule is no issue');
    const sampleIds = (key: string) => byIssue.get(ruleIds[key]!).samples.map((s: any) => s.id).sort((a: number, b: number) => a - b);
    assert.deepEqual(sampleIds('notNullEmail'), [3, 6]);
    assert.deepEqual(sampleIds('uniqueEmail'), [1, 9]);
    assert.deepEqual(sampleIds('emailRegex'), [5]);
    assert.deepEqual(sampleIds('ageRange'), [4]);
    assert.deepEqual(sampleIds('countryAllowed'), [6]);
    assert.deepEqual(sampleIds('datesOrdered'), [7]);
    assert.deepEqual(sampleIds('managerExists'), [6]);
    assert.deepEqual(sampleIds('countryFill'), [10]);
    const stale = byIssue.get(ruleIds.startFresh!);
    assert.equal(stale.samples.length, 5);
    assert.equal(stale.samples[0].start_date, '2022-08-01', 'freshness samples are the newest rows');
    assert.match(stale.detail, /the newest "start_date" \(2022-08-01\) is \d+ s old; the rule allows 86400 s/);
    assert.match(byIssue.get(ruleIds.notNullEmail!).detail, /^2 of 10 rows fail the not_null rule on "email"$/);
    assert.match(byIssue.get(ruleIds.countryFill!).detail, /"country" is 90% filled; the rule asks for at least 95%/);
    assert.deepEqual(byIssue.get(ruleIds.emailRegex!).samples[0], {
      id: 5,
      email: 'eve@example',
      country: 'CH',
      age: 38,
      start_date: '2021-05-01',
      end_date: '2021-05-02',
      updated_at: byIssue.get(ruleIds.emailRegex!).samples[0].updated_at,
      manager_id: 2,
    });

    // Metrics: the gauge carries the latest scores, labelled by dataset id and dimension.
    const metrics = (await fetch(`${t.url}/metrics`).then((r) => r.text())).split('\n');
    const value = (pattern: RegExp) => {
      const line = metrics.find((l) => pattern.test(l));
      assert.ok(line, String(pattern));
      return Number(line.split(' ').pop());
    };
    const ds = people.datasetId;
    assert.ok(Math.abs(value(new RegExp(`^quality_score\\{dataset="${ds}",dimension="overall"\\} `)) - overall) < 1e-9);
    assert.equal(value(new RegExp(`^quality_score\\{dataset="${ds}",dimension="freshness"\\} `)), 50);
    const executed = metrics.filter((l) => l.startsWith('quality_rules_executed_total{')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    assert.equal(executed, 10);
    assert.equal(value(/^quality_issues_detected_total\{dimension="completeness"\} /), 2);
    assert.equal(value(/^quality_issues_detected_total\{dimension="freshness"\} /), 1);
  });

  it('profiles the dataset as part of a check when asked, and keeps past results when rules change', async () => {
    const check = await runCheck(t, token, people.datasetId, true);
    assert.equal(check.status, 'completed', check.error ?? '');
    assert.equal(check.profileRequested, true);
    const profile = await t.request('GET', `/api/v1/quality/checks/${check.id}/profile`, { token });
    assert.equal(profile.status, 200);
    assert.equal(profile.body.rows, PEOPLE.length);
    assert.deepEqual(profile.body.columns.map((c: any) => c.name), COLUMNS.map((c) => c.name));
    assert.equal(profile.body.columns[1].nulls, 2);

    // Deleting a rule leaves the checks that ran it as they were; the next check runs without it.
    const removed = await t.request('DELETE', `/api/v1/quality/rules/${ruleIds.startFresh}`, { token });
    assert.equal(removed.status, 204);
    const before = await t.request('GET', `/api/v1/quality/checks/${check.id}`, { token });
    assert.equal(before.body.rules.length, 10);
    const next = await runCheck(t, token, people.datasetId);
    assert.equal(next.rules.length, 9);
    assert.equal(next.scores.dimensions.freshness, 100);
    const noProfile = await t.request('GET', `/api/v1/quality/checks/${next.id}/profile`, { token });
    assert.equal(noProfile.status, 404);

    const list = await t.request('GET', `/api/v1/quality/checks?datasetId=${people.datasetId}`, { token });
    assert.deepEqual(list.body.items.map((c: any) => c.id), [next.id, check.id, list.body.items[2].id]);
    assert.ok(list.body.items.every((c: any) => c.status === 'completed'));
  });

  it('resumes after the rules an earlier attempt recorded, without evaluating them again', async () => {
    const small = await createArchivedDataset(t, { columns: [{ name: 'n', type: 'integer' }], rows: [[1], [1], [null], [4]] });
    const notNull = await createRule(t, token, small.datasetId, { kind: 'not_null', column: 'n' });
    const unique = await createRule(t, token, small.datasetId, { kind: 'unique', columns: ['n'] });
    const rules = (await t.request('GET', `/api/v1/quality/rules?datasetId=${small.datasetId}`, { token })).body.items;
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    const checkId = randomUUID();
    try {
      // An attempt that recorded the not_null rule (with a score no scan would give) and then died.
      await client.query(
        `INSERT INTO quality_checks (id, dataset_id, status, trigger, rules, lease_id, attempts, started_at)
         VALUES ($1, $2, 'running', 'manual', $3, gen_random_uuid(), 1, now())`,
        [checkId, small.datasetId, JSON.stringify(rules.map((r: any) => ({ id: r.id, name: r.name, dimension: r.dimension, definition: r.rule })))],
      );
      await client.query(
        `INSERT INTO quality_rule_results (check_id, rule_id, dimension, evaluated_rows, failing_rows, score, passed)
         VALUES ($1, $2, 'completeness', 4, 3, 42, false)`,
        [checkId, notNull],
      );
    } finally {
      await client.end();
    }
    await sendQualityJob(t, { checkId });
    const done = await waitForCheck(t, token, checkId);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.attempts, 2);
    const byRule = new Map<string, any>(done.rules.map((r: any) => [r.ruleId, r]));
    assert.equal(byRule.get(notNull).score, 42, 'the recorded result was kept');
    assert.equal(byRule.get(unique).failingRows, 1, 'the remaining rule was evaluated');
    assert.deepEqual(done.scores, { overall: round2((42 + 75) / 2), dimensions: { completeness: 42, uniqueness: 75 } });
  });

  it('documents the scoring formula in the API description', async () => {
    const doc: any = await fetch(`${t.url}/openapi.json`).then((r) => r.json());
    const post = doc.paths['/api/v1/quality/checks'].post;
    assert.ok(post.description.includes(SCORE_FORMULA));
    assert.match(post.summary, /scores per rule, per dimension and overall/);
    assert.ok(doc.paths['/api/v1/quality/rules'].post.requestBody);
  });

  it('cancels a running scan when the job must stop, without the pool’s statement timeout', async () => {
    const pool = t.app.ctx.db.analytics;
    const stop = new AbortController();
    const session = await openScanSession(pool, stop.signal);
    const started = Date.now();
    try {
      const timeout = await session.client.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t");
      assert.equal(timeout.rows[0]!.t, '0');
      const sleeping = session.client.query('SELECT pg_sleep(30)');
      setTimeout(() => stop.abort(), 200);
      await assert.rejects(sleeping, (e: any) => e.code === '57014');
      assert.ok(Date.now() - started < 10_000);
    } finally {
      session.close();
    }
    // The pool's own connections keep their timeout: the session's setting went with its connection.
    const { rows } = await pool.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t");
    assert.notEqual(rows[0]!.t, '0');
  });
});
