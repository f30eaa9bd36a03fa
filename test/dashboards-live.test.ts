import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { NOT_YET_EXPORTED } from '../src/observability/alert-rules.ts';
import { createLogger } from '../src/observability/logger.ts';
import {
  CHECK_INTERVALS,
  checkQueries,
  loadDashboards,
  notYetExported,
  panelQueries,
  variableQueries,
  type PanelQuery,
  type QueryCheck,
} from '../src/observability/dashboards.ts';
import { queryJobs } from '../src/observability/promql.ts';
import { checkTraversable, serviceIdentity } from '../src/ops/os-user.ts';
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from './support/app.ts';
import { createDatabase } from './support/databases.ts';
import { createSource, startExtraction, waitForExtraction } from './support/extractions.ts';
import { sql, waitForMigration } from './support/migrations.ts';
import { createRule, runCheck } from './support/quality.ts';
import { caller } from './support/service-process.ts';
import { waitFor } from './support/wait.ts';

const DASHBOARDS = path.resolve(import.meta.dirname, '..', 'deploy', 'grafana', 'dashboards');

/**
 * App metrics this test's traffic does not produce, and why. A dashboard query over one of them
 * is checked for parsing only; the cluster test, with real faults, sees them.
 */
const NOT_EXERCISED: Record<string, string> = {
  retention_rows_removed_total: 'needs a retention policy run',
  db_replica_lag_seconds: 'needs a streaming replica (the HA cluster)',
  cache_evictions_total: 'needs Redis (the HA cluster)',
  log_messages_total: 'the test app logs nothing (log level silent)',
};

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** A real Prometheus (Debian's 2.42) scraping `target` every second as job `jivs-app`, as an unprivileged user when we are root. */
async function startPrometheus(target: URL): Promise<RunningPrometheus> {
  const identity = await serviceIdentity('jivs', createLogger('warn'));
  const dir = await mkdtemp(path.join(tmpdir(), 'jivs-prometheus-'));
  await chmod(dir, 0o755);
  const data = path.join(dir, 'data');
  await mkdir(data);
  if (identity) {
    await checkTraversable(dir, identity);
    await chown(data, identity.uid, identity.gid);
  }
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'jivs-app', static_configs: [{ targets: [target.host], labels: { member: 'app-a', zone: 'a' } }] }],
    }),
    { mode: 0o644 },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { ...(identity ? { uid: identity.uid, gid: identity.gid } : {}), cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output}`);
        return (await fetch(`${url}/-/ready`)).ok || undefined;
      },
      30_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

async function instant(url: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query }).toString()}`);
  const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data.result;
}

/**
 * Traffic that makes the app export what its dashboards read: sign-ins (good, bad, refreshed,
 * signed out, rate limited), refused and unknown requests, an extraction, a quality check, a
 * data-subject request, a migration and a replayed idempotent request. What it creates outside
 * the app (databases) goes to `cleanups`.
 */
async function exercise(t: TestApp, cleanups: Array<() => Promise<void>>): Promise<void> {
  const login = await t.request('POST', '/api/v1/auth/login', { body: { username: 'admin', password: TEST_ADMIN_PASSWORD } });
  assert.equal(login.status, 200);
  const { accessToken: token, refreshToken } = login.body as { accessToken: string; refreshToken: string };
  assert.equal((await t.request('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'not the password at all' } })).status, 401);
  assert.equal((await t.request('GET', '/api/v1/no-such-route')).status, 404);
  assert.equal((await t.request('GET', '/api/v1/extractions')).status, 401);
  assert.equal((await t.request('POST', '/api/v1/sources', { token, body: {} })).status, 400);
  assert.equal((await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: 'x'.repeat(43) } })).status, 401);
  const refreshed = await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
  assert.equal(refreshed.status, 200);
  assert.equal((await t.request('GET', '/api/v1/audit', { token })).status, 200);

  const source = await createDatabase('dash');
  cleanups.push(() => source.drop());
  await sql(source.dsn, `CREATE TABLE people (id integer PRIMARY KEY, email text, name text);
    INSERT INTO people SELECT g, 'user' || g || '@example.com', 'Person ' || g FROM generate_series(1, 200) g;`);
  const sourceId = await createSource(t, token, { name: 'people db', kind: 'postgres', dsn: source.dsn });
  const extraction = await waitForExtraction(t, token, await startExtraction(t, token, { name: 'people', sourceId, table: 'people' }));
  assert.equal(extraction.status, 'completed', extraction.error ?? '');
  assert.equal((await t.request('GET', `/api/v1/extractions/${extraction.id}`, { token })).status, 200);

  const datasets = (await t.request('GET', '/api/v1/archive/datasets', { token })).body.items as Array<{ id: string; extractionId: string }>;
  const datasetId = datasets.find((d) => d.extractionId === extraction.id)!.id;
  await createRule(t, token, datasetId, { kind: 'not_null', column: 'email' });
  await createRule(t, token, datasetId, { kind: 'regex', column: 'name', pattern: '^Nobody' });
  assert.equal((await runCheck(t, token, datasetId)).status, 'completed');

  const request = await t.request('POST', '/api/v1/compliance/requests', { token, body: { type: 'access', regulation: 'gdpr', subject: { email: 'user7@example.com' } } });
  assert.equal(request.status, 202, JSON.stringify(request.body));
  await waitFor('the data-subject request to finish', async () => {
    const res = await t.request('GET', `/api/v1/compliance/requests/${request.body.id}`, { token });
    return ['completed', 'completed_with_exceptions', 'rejected', 'failed'].includes(res.body.status) ? res.body : undefined;
  });

  const target = await createDatabase('dasht');
  cleanups.push(() => target.drop());
  await sql(target.dsn, 'CREATE TABLE people (id integer PRIMARY KEY, email text, name text)');
  const targetId = await createSource(t, token, { name: 'people target', kind: 'postgres', dsn: target.dsn });
  const call = caller(t.url, token);
  const migration = await call('POST', '/api/v1/migrations', {
    name: 'people copy',
    source: { sourceId, table: 'people' },
    target: { sourceId: targetId, table: 'public.people' },
    mapping: [{ target: 'id' }, { target: 'email' }, { target: 'name' }],
    start: true,
  });
  assert.equal(migration.status, 201, JSON.stringify(migration.body));
  assert.equal((await waitForMigration(call, migration.body.id as string)).status, 'completed');

  const retried = { token, headers: { 'idempotency-key': 'dashboards-live-1' }, body: { name: 'replayed', kind: 'postgres', dsn: source.dsn } };
  const first = await t.request('POST', '/api/v1/sources', retried);
  const replay = await t.request('POST', '/api/v1/sources', retried);
  assert.deepEqual([first.status, replay.status, replay.headers.get('idempotent-replayed')], [201, 201, 'true']);

  assert.equal((await t.request('POST', '/api/v1/auth/logout', { token, body: { refreshToken: refreshed.body.refreshToken } })).status, 204);
  // Sign-in is limited to 5 a minute per client: the sixth attempt at the latest is refused.
  let limited = false;
  for (let n = 0; n < 8 && !limited; n++) {
    limited = (await t.request('POST', '/api/v1/auth/login', { body: { username: 'nobody', password: 'wrong password' } })).status === 429;
  }
  assert.ok(limited, 'the sign-in rate limit refused an attempt');
}

/** Metric names the app declares on /metrics (with their histogram series), sampled or not. */
async function declaredMetrics(appUrl: string): Promise<Set<string>> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
  }
  return names;
}

const describeQuery = (r: QueryCheck) => `${r.dashboard} / ${r.row ?? '-'} / ${r.panel} ${r.refId}: ${r.status}${r.message ? ` (${r.message})` : ''}\n    ${r.query}`;

describe('dashboard queries against a live Prometheus scraping a real app', () => {
  let t: TestApp;
  let prometheus: RunningPrometheus | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  let queries: PanelQuery[];
  let results: QueryCheck[];
  let declared: Set<string>;
  let sampled: Set<string>;

  before(async () => {
    // A read DSN that differs from the write one makes the app watch it as a replica, so the
    // replica metrics are declared (the primary is no replica: they carry no sample, and
    // analytics may fall back to the primary).
    t = await startTestApp(async (dsn) => ({
      'database.read': [`${dsn}${dsn.includes('?') ? '&' : '?'}application_name=jivs-dashboards`],
      'database.analyticsFallbackToPrimary': true,
    }));
    prometheus = await startPrometheus(new URL(t.url));
    const url = prometheus.url;
    await waitFor('the first scrape of the app', async () => ((await instant(url, 'up{job="jivs-app"} == 1')).length ? true : undefined), 30_000);
    await exercise(t, cleanups);
    // Subqueries are evaluated at multiples of their step ($__interval): wait for a step that
    // comes two scrapes after the last request, so every series has samples to take a rate of.
    const step = Number(CHECK_INTERVALS.__interval_ms) / 1000;
    const ready = Math.ceil((Date.now() / 1000 + 2) / step) * step;
    await waitFor(
      'a subquery step after the traffic',
      async () => {
        const [up] = await instant(url, 'timestamp(up{job="jivs-app"})');
        return up && Number(up.value[1]) > ready ? true : undefined;
      },
      step * 1000 + 30_000,
    );
    declared = await declaredMetrics(t.url);
    const names = await fetch(`${url}/api/v1/label/__name__/values?${new URLSearchParams({ 'match[]': '{job="jivs-app"}' }).toString()}`);
    sampled = new Set(((await names.json()) as { data: string[] }).data);
    const dashboards = await loadDashboards(DASHBOARDS);
    queries = dashboards.flatMap((d) => [...panelQueries(d), ...variableQueries(d)]);
    results = await checkQueries(url, queries);
  });
  after(async () => {
    await prometheus?.stop();
    for (const cleanup of cleanups) await cleanup();
    await t?.close();
  });

  it('tells a query Prometheus refuses, an empty one and one with data apart, and sends what it cannot read as written', async () => {
    const probe = (expr: string): PanelQuery => ({ dashboard: 'probe', uid: 'probe', row: null, panel: expr, refId: 'A', expr });
    // The last one our PromQL reader cannot read: it goes to Prometheus as written, to judge.
    const unreadable = 'up{zone="$zone" ; x';
    const [broken, empty, data, backup, asWritten] = await checkQueries(prometheus!.url, [
      probe('sum(rate(http_server_requests_seconds_count{job="jivs-app"}[$__rate_interval])'),
      probe('up{job="jivs-app", zone="nowhere"}'),
      probe('up{job="jivs-app", zone="$zone"}'),
      probe('time() - max(backup_last_success_timestamp_seconds{job="jivs-app"})'),
      probe(unreadable),
    ]);
    assert.equal(broken!.status, 'parse_error');
    assert.match(broken!.message!, /bad_data/);
    assert.deepEqual([asWritten!.status, asWritten!.query, asWritten!.metrics], ['parse_error', unreadable, []]);
    assert.deepEqual([empty!.status, empty!.emptyAllowed], ['empty', false]);
    assert.deepEqual([data!.status, data!.series, data!.query], ['ok', 1, 'up{job="jivs-app", zone=~".*"}']);
    assert.deepEqual([backup!.status, backup!.emptyAllowed], ['empty', true]);
  });

  it('parses and runs every query of every dashboard', () => {
    assert.ok(queries.length > 200, `${queries.length} queries`);
    const failed = results.filter((r) => r.status === 'parse_error' || r.status === 'error');
    assert.deepEqual(failed.map(describeQuery), []);
  });

  it('reads only metrics the app declares, and NOT_YET_EXPORTED names none it already exports', () => {
    const appQueries = results.filter((r) => queryJobs(r.expr).join() === 'jivs-app');
    assert.ok(appQueries.length > 100, `${appQueries.length} app queries`);
    const unknown = new Set(appQueries.flatMap((r) => r.metrics).filter((m) => !declared.has(m) && !sampled.has(m) && !notYetExported(m)));
    assert.deepEqual([...unknown].sort(), [], 'metrics the app does not export (a typo, or a metric still to be added)');
    assert.deepEqual(
      Object.keys(NOT_YET_EXPORTED).filter((m) => declared.has(m)),
      [],
      'exported now: remove it from NOT_YET_EXPORTED (src/observability/alert-rules.ts)',
    );
  });

  it('gets data for every query over app metrics this traffic produced', () => {
    const appQueries = results.filter((r) => queryJobs(r.expr).join() === 'jivs-app' && !r.emptyAllowed);
    const missing = appQueries.filter((r) => r.metrics.every((m) => sampled.has(m) || notYetExported(m)) && r.status !== 'ok');
    assert.deepEqual(missing.map(describeQuery), []);
    // Queries skipped above read a metric with no sample: only the ones this traffic cannot produce.
    const unexercised = new Set(appQueries.flatMap((r) => r.metrics.filter((m) => !sampled.has(m) && !notYetExported(m))));
    assert.deepEqual([...unexercised].sort(), Object.keys(NOT_EXERCISED).sort());
  });
});
