import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset, type ArchivedDataset } from './support/archive-fixtures.ts';
import { createRule, waitForCheck } from './support/quality.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('quality rules: validation, access and admission', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let data: ArchivedDataset;

  before(async () => {
    // One check may run and one wait; a third is refused.
    t = await startTestApp({ 'jobs.pools.quality': { core: 1, max: 1, queue: 1 } });
    tokens.admin = await t.login();
    for (const role of ['analyst', 'auditor']) {
      const password = `${role} quality words`;
      const res = await t.request('POST', '/api/v1/users', { token: tokens.admin, body: { username: `q-${role}`, password, role } });
      assert.equal(res.status, 201);
      tokens[role] = await t.login(`q-${role}`, password);
    }
    data = await createArchivedDataset(t, {
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'name', type: 'text' },
        { name: 'born', type: 'date' },
        { name: 'doc', type: 'json' },
        { name: 'tags', type: 'text[]' },
      ],
      rows: [
        [1, 'a', '2000-01-01', '{"x":1}', ['p']],
        [2, 'b', null, '[]', null],
      ],
    });
  });
  after(() => t?.close());

  const createAs = (role: string, body: unknown) => t.request('POST', '/api/v1/quality/rules', { token: tokens[role], body });

  it('refuses bad rules with 4xx and the reason, and creates nothing', async () => {
    const ds = data.datasetId;
    const cases: Array<[unknown, number, RegExp]> = [
      [{ datasetId: ds, rule: { kind: 'not_null', column: 'nope' } }, 422, /column "nope" is not in dataset .*; its columns are: id, name, born, doc, tags/],
      [{ datasetId: ds, rule: { kind: 'unique', columns: ['id', 'ghost'] } }, 422, /column "ghost"/],
      [{ datasetId: ds, rule: { kind: 'regex', column: 'name', pattern: '(unclosed' } }, 400, /not a regular expression PostgreSQL accepts: invalid regular expression: parentheses/],
      [{ datasetId: ds, rule: { kind: 'regex', column: 'id', pattern: '^1$' } }, 422, /regex rule needs a text column; column "id" is bigint/],
      [{ datasetId: ds, rule: { kind: 'range', column: 'name', min: 'a' } }, 422, /range rule needs a numeric, date or timestamp column; column "name" is text/],
      [{ datasetId: ds, rule: { kind: 'range', column: 'born', min: 'yesterday-ish' } }, 400, /invalid input syntax for type date/],
      [{ datasetId: ds, rule: { kind: 'range', column: 'id', min: 10, max: 1 } }, 400, /the range is empty: min is greater than max/],
      [{ datasetId: ds, rule: { kind: 'range', column: 'id' } }, 400, /a range needs min, max or both/],
      [{ datasetId: ds, rule: { kind: 'allowed_values', column: 'id', values: ['one'] } }, 400, /invalid input syntax for type bigint: "one"/],
      [{ datasetId: ds, rule: { kind: 'expression', expression: { left: 'id', op: 'LIKE', right: { value: 1 } } } }, 400, /expression\.op: must be one of = != < <= > >=/],
      [{ datasetId: ds, rule: { kind: 'expression', expression: { and: [{ left: 'id', op: '=', right: 'name' }] } } }, 400, /expression\.and\[0\]\.right: must be \{column/],
      [{ datasetId: ds, rule: { kind: 'expression', expression: 'id > 1; DROP TABLE users' } }, 400, /expression: must be an object/],
      [{ datasetId: ds, rule: { kind: 'expression', expression: { left: 'name', op: '>', right: { column: 'id' } } } }, 422, /operator does not exist: text > bigint/],
      [{ datasetId: ds, rule: { kind: 'expression', expression: { left: 'nope', op: '>', right: { value: 1 } } } }, 422, /column "nope"/],
      [{ datasetId: ds, rule: { kind: 'allowed_values', column: 'tags', values: ['{p}'] } }, 422, /needs a column of single values \(not an array or json\); column "tags" is text\[\]/],
      [{ datasetId: ds, rule: { kind: 'unique', columns: ['doc'] } }, 422, /could not identify an equality operator for type json/],
      [{ datasetId: ds, rule: { kind: 'max_age', column: 'name', maxAgeSeconds: 60 } }, 422, /max_age rule needs a date or timestamp column/],
      [{ datasetId: ds, rule: { kind: 'references', column: 'id', datasetId: UNKNOWN, targetColumn: 'id' } }, 422, /dataset 00000000-0000-4000-8000-000000000000 does not exist/],
      [{ datasetId: ds, rule: { kind: 'references', column: 'id', datasetId: ds, targetColumn: 'nope' } }, 422, /column "nope" is not in dataset/],
      [{ datasetId: ds, rule: { kind: 'references', column: 'name', datasetId: ds, targetColumn: 'id' } }, 422, /operator does not exist: bigint = text/],
      [{ datasetId: ds, rule: { kind: 'min_fill_rate', column: 'name', threshold: 1.5 } }, 400, /threshold/],
      [{ datasetId: ds, rule: { kind: 'sql', query: 'SELECT 1' } }, 400, /kind|invalid/i],
      [{ datasetId: ds, rule: { kind: 'not_null', column: 'id', extra: true } }, 400, /extra|unrecognized/i],
      [{ datasetId: UNKNOWN, rule: { kind: 'not_null', column: 'id' } }, 422, /dataset 00000000-0000-4000-8000-000000000000 does not exist/],
      [{ datasetId: 'not-a-uuid', rule: { kind: 'not_null', column: 'id' } }, 400, /datasetId/],
      [{ datasetId: ds, name: 'bell\u0007', rule: { kind: 'not_null', column: 'id' } }, 400, /control characters/],
    ];
    for (const [body, status, message] of cases) {
      const res = await createAs('admin', body);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, message, JSON.stringify(body));
    }
    const rules = await t.request('GET', `/api/v1/quality/rules?datasetId=${ds}`, { token: tokens.admin });
    assert.deepEqual(rules.body.items, []);
    for (const url of ['/api/v1/quality/rules/not-a-uuid', `/api/v1/quality/rules/${UNKNOWN}`, `/api/v1/quality/checks/${UNKNOWN}`, '/api/v1/quality/checks/x/issues']) {
      const res = await t.request('GET', url, { token: tokens.admin });
      assert.equal(res.status, 404, url);
    }

    // A check needs a dataset with rules.
    const noRules = await t.request('POST', '/api/v1/quality/checks', { token: tokens.admin, body: { datasetId: ds } });
    assert.equal(noRules.status, 422);
    assert.match(noRules.body.message, /has no quality rules/);
    const unknown = await t.request('POST', '/api/v1/quality/checks', { token: tokens.admin, body: { datasetId: UNKNOWN } });
    assert.equal(unknown.status, 422);
    const checks = await t.request('GET', '/api/v1/quality/checks', { token: tokens.admin });
    assert.deepEqual(checks.body.items, []);
  });

  it('accepts well-formed rules of every kind and normalises nothing away', async () => {
    const ds = data.datasetId;
    const expression = { not: { or: [{ left: 'born', op: '<', right: { value: '1900-01-01' } }, { left: 'id', op: '!=', right: { column: 'id' } }] } };
    const id = await createRule(t, tokens.admin!, ds, { kind: 'expression', expression });
    const res = await t.request('GET', `/api/v1/quality/rules/${id}`, { token: tokens.auditor });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.rule, { kind: 'expression', expression });
    assert.equal(res.body.dimension, 'consistency');
    assert.equal(res.body.name, 'expression born, id');
    for (const rule of [
      { kind: 'regex', column: 'name', pattern: '^[a-z]+$' },
      { kind: 'range', column: 'born', min: '1900-01-01', max: '2100-01-01' },
      { kind: 'allowed_values', column: 'name', values: ['a', 'b'] },
      { kind: 'unique', columns: ['id', 'tags'] },
      { kind: 'references', column: 'id', datasetId: ds, targetColumn: 'id' },
      { kind: 'max_age', column: 'born', maxAgeSeconds: 10 },
    ]) {
      await createRule(t, tokens.admin!, ds, rule);
    }
    const check = await t.request('POST', '/api/v1/quality/checks', { token: tokens.admin, body: { datasetId: ds } });
    assert.equal(check.status, 202);
    const done = await waitForCheck(t, tokens.admin!, check.body.id);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.rules.length, 7);
  });

  it('lets an analyst manage rules and run checks, and an auditor only read', async () => {
    const ds = data.datasetId;
    const denied = await createAs('auditor', { datasetId: ds, rule: { kind: 'not_null', column: 'id' } });
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /your role auditor may not do this/);
    const created = await createAs('analyst', { datasetId: ds, rule: { kind: 'not_null', column: 'id' }, name: 'id present' });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    assert.equal((await t.request('POST', '/api/v1/quality/checks', { token: tokens.auditor, body: { datasetId: ds } })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/quality/rules/${created.body.id}`, { token: tokens.auditor })).status, 403);
    assert.equal((await t.request('PUT', `/api/v1/quality/schedules/${ds}`, { token: tokens.auditor, body: { cron: '0 3 * * *' } })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/quality/profiles', { token: tokens.auditor, body: { datasetId: ds } })).status, 403);

    const started = await t.request('POST', '/api/v1/quality/checks', { token: tokens.analyst, body: { datasetId: ds } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.trigger, 'manual');
    const done = await waitForCheck(t, tokens.analyst!, started.body.id);
    assert.equal(done.status, 'completed', done.error ?? '');

    // The auditor sees scores but not the archived rows inside issues.
    assert.equal((await t.request('GET', `/api/v1/quality/checks/${done.id}`, { token: tokens.auditor })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/quality/rules', { token: tokens.auditor })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/quality/checks/${done.id}/issues`, { token: tokens.auditor })).status, 403);
    assert.equal((await t.request('GET', `/api/v1/quality/checks/${done.id}/issues`, { token: tokens.analyst })).status, 200);

    assert.equal((await t.request('DELETE', `/api/v1/quality/rules/${created.body.id}`, { token: tokens.analyst })).status, 204);
    assert.equal((await t.request('DELETE', `/api/v1/quality/rules/${created.body.id}`, { token: tokens.analyst })).status, 404);
  });

  it('refuses a check when the quality pool is full (429 pool_full)', async () => {
    const client = new pg.Client({ connectionString: t.dsn });
    await client.connect();
    try {
      // Two checks in flight that no worker will take (they have no job): the pool is full.
      await client.query(
        `INSERT INTO quality_checks (dataset_id, status, trigger, rules) VALUES ($1, 'queued', 'manual', '[]'), ($1, 'running', 'manual', '[]')`,
        [data.datasetId],
      );
      const refused = await t.request('POST', '/api/v1/quality/checks', { token: tokens.analyst, body: { datasetId: data.datasetId } });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error, 'pool_full');
      assert.match(refused.body.message, /the quality pool is full: 2 jobs are running or queued/);
      await client.query(`DELETE FROM quality_checks WHERE rules = '[]'`);
      const accepted = await t.request('POST', '/api/v1/quality/checks', { token: tokens.analyst, body: { datasetId: data.datasetId } });
      assert.equal(accepted.status, 202);
      await waitForCheck(t, tokens.analyst!, accepted.body.id);
    } finally {
      await client.end();
    }
  });
});
