import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/observability/logger.ts';
import { loadRules, ruleFiles } from '../src/observability/alert-rules.ts';
import { renderAlertmanagerConfig } from '../src/ops/cluster/engines/alertmanager.ts';
import { checkWith, runTool } from '../src/ops/cluster/engines/deploy.ts';
import type { ClusterContext } from '../src/ops/cluster/engine.ts';
import { launch, stopProcess } from '../src/ops/cluster/processes.ts';
import type { ClusterSecrets } from '../src/ops/cluster/secrets.ts';
import { topology } from '../src/ops/cluster/topology.ts';
import { checkTraversable, serviceIdentity } from '../src/ops/os-user.ts';
import { startTestApp, type TestApp } from './support/app.ts';
import { waitFor } from './support/wait.ts';

const DEPLOY = path.resolve(import.meta.dirname, '..', 'deploy', 'alertmanager');
const LOCAL = path.join(DEPLOY, 'alertmanager.yml');
const PRODUCTION = path.join(DEPLOY, 'production.yml');
const TOKEN = 'routing-test-token-0123456789abcdefghij';

/** The plan's routing (seed 001): which receivers each tier reaches. */
const RECEIVERS_OF_TIER: Record<string, string[]> = {
  '1': ['pagerduty', 'slack'],
  '2': ['slack'],
  '3': ['email'],
  '4': ['email'],
};

/**
 * deploy/alertmanager/alertmanager.yml as `jivs cluster` renders it for alertmanager-a, with the
 * zone's front end on `frontPort` (the cluster's base port is chosen so that it lands there).
 */
async function renderLocal(frontPort: number): Promise<string> {
  const config = loadConfig({});
  const probe = topology({ basePort: 20_000, dir: '/nonexistent' });
  const offset = probe.haproxy.find((h) => h.zone === probe.alertmanager[0]!.zone)!.ports.front! - 20_000;
  const cluster: ClusterContext = {
    config,
    settings: config.cluster,
    dir: '/nonexistent',
    topology: topology({ basePort: frontPort - offset, dir: '/nonexistent' }),
    secrets: { alertWebhookToken: TOKEN } as ClusterSecrets,
  };
  return renderAlertmanagerConfig(await readFile(LOCAL, 'utf8'), cluster.topology.alertmanager[0]!, cluster);
}

const AMTOOL = '/usr/bin/amtool';

interface Route {
  receiver?: string;
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}
interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal?: string[];
}
interface AlertmanagerFile {
  route: Route;
  inhibit_rules: InhibitRule[];
  /** `name` and one `<integration>_configs` list. */
  receivers: Array<Record<string, unknown> & { name: string }>;
}

describe('Alertmanager configuration (deploy/alertmanager)', () => {
  let dir: string;
  let rendered: string;
  let files: Record<'local' | 'production', string>;
  let parsed: Record<'local' | 'production', AlertmanagerFile>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'jivs-am-config-'));
    rendered = path.join(dir, 'alertmanager.yml');
    await writeFile(rendered, await renderLocal(18_103));
    files = { local: rendered, production: PRODUCTION };
    parsed = {
      local: parseYaml(await readFile(rendered, 'utf8')) as AlertmanagerFile,
      production: parseYaml(await readFile(PRODUCTION, 'utf8')) as AlertmanagerFile,
    };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes amtool check-config, as the cluster renders it and as shipped for production', async () => {
    for (const file of Object.values(files)) {
      const { ok, output } = await runTool(AMTOOL, ['check-config', file]);
      assert.ok(ok, `amtool check-config ${file}:\n${output}`);
      assert.match(output, /SUCCESS/);
    }
    assert.match(await readFile(rendered, 'utf8'), /url: 'http:\/\/127\.0\.0\.1:18103\/api\/v1\/alerts\/inbox\?receiver=pagerduty'/);
  });

  it('routes tier 1 to PagerDuty and Slack, tier 2 to Slack, tiers 3 and 4 to e-mail, in both files', async () => {
    for (const file of Object.values(files)) {
      for (const [tier, receivers] of Object.entries(RECEIVERS_OF_TIER)) {
        await checkWith(AMTOOL, [
          'config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receivers.join(',')}`,
          'alertname=AnyAlert', `tier=${tier}`, 'member=pg-a', 'zone=a',
        ]);
      }
    }
  });

  it('has one route tree and one set of inhibitions in both files, and every receiver sends resolutions', () => {
    assert.deepEqual(parsed.production.route, parsed.local.route);
    assert.deepEqual(parsed.production.inhibit_rules, parsed.local.inhibit_rules);
    for (const file of Object.values(parsed)) {
      assert.deepEqual(file.receivers.map((r) => r.name).sort(), ['email', 'pagerduty', 'slack']);
      for (const receiver of file.receivers) {
        const integrations = Object.entries(receiver).filter(([key]) => key.endsWith('_configs'));
        assert.equal(integrations.length, 1, receiver.name);
        for (const [, configs] of integrations) {
          assert.ok((configs as Array<{ send_resolved?: boolean }>).every((c) => c.send_resolved === true), receiver.name);
        }
      }
    }
    const tier1 = parsed.local.route.routes!.filter((r) => r.matchers?.includes('tier="1"'));
    assert.ok(tier1.every((r) => Number.parseInt(r.group_wait ?? '', 10) <= 10 && r.group_wait?.endsWith('s')), 'tier 1 waits at most 10 s');
  });

  it('inhibits only by alert names that deploy/prometheus/rules defines', async () => {
    const { alerts } = await loadRules((await ruleFiles()).alerting);
    const defined = new Set(alerts.map((a) => a.name));
    const named: string[] = [];
    for (const rule of parsed.local.inhibit_rules) {
      for (const matcher of [...rule.source_matchers, ...rule.target_matchers]) {
        const match = /^alertname(=~|=)"([^"]+)"$/.exec(matcher);
        if (match) named.push(...match[2]!.split('|'));
      }
    }
    assert.ok(named.length > 20, `found ${named.length} names`);
    assert.deepEqual(named.filter((n) => !defined.has(n)), []);
  });
});

/** The file's route tree and inhibitions with 1-second grouping, so a test does not wait minutes. */
function withShortTimings(config: string): string {
  const doc = parseYaml(config) as AlertmanagerFile;
  const shorten = (route: Route) => {
    route.group_wait = '1s';
    route.group_interval = '1s';
    route.routes?.forEach(shorten);
  };
  shorten(doc.route);
  return stringify(doc);
}

interface Listed {
  receiver: string;
  status: string;
  labels: Record<string, string>;
}

describe('routing end to end: a real Alertmanager delivers to the alert inbox', () => {
  let t: TestApp;
  let admin: string;
  let dir: string;
  let pid: number | undefined;
  let am: string;

  const postAlerts = async (alerts: Array<{ labels: Record<string, string>; endsAt?: string }>) => {
    const res = await fetch(`${am}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((a) => ({ ...a, annotations: { summary: `${a.labels.alertname} in a test` } }))),
    });
    assert.equal(res.status, 200, await res.text());
  };
  /** What the inbox holds, as `alertname member receiver status` lines. */
  const inbox = async () => {
    const res = await t.request('GET', '/api/v1/alerts?limit=500', { token: admin });
    assert.equal(res.status, 200);
    return (res.body.items as Listed[]).map((i) => `${i.labels.alertname} ${i.labels.member ?? '-'} ${i.receiver} ${i.status}`).sort();
  };
  const arrived = (expected: string[]) =>
    waitFor(`the inbox to hold ${expected.join('; ')}`, async () => {
      const held = await inbox();
      return expected.every((e) => held.includes(e)) ? held : undefined;
    }, 30_000, 200);

  before(async () => {
    t = await startTestApp({ 'alerts.webhookToken': TOKEN, 'rateLimits.auth.points': 50 });
    admin = await t.login();
    const identity = await serviceIdentity('jivs', createLogger('warn'));
    dir = await mkdtemp(path.join(tmpdir(), 'jivs-alertmanager-'));
    const data = path.join(dir, 'data');
    await mkdir(data);
    const config = path.join(dir, 'alertmanager.yml');
    await writeFile(config, withShortTimings(await renderLocal(Number(new URL(t.url).port))), { mode: 0o600 });
    if (identity) {
      for (const owned of [dir, data, config]) await chown(owned, identity.uid, identity.gid);
      await checkTraversable(dir, identity);
    }
    // Port 0: the kernel picks a free one, and Alertmanager logs which. No gossip (one instance).
    const logFile = path.join(dir, 'alertmanager.log');
    pid = launch(
      '/usr/bin/prometheus-alertmanager',
      [`--config.file=${config}`, `--storage.path=${data}`, '--web.listen-address=127.0.0.1:0', '--cluster.listen-address='],
      { cwd: dir, logFile, ...(identity ? { identity } : {}) },
    );
    am = await waitFor('Alertmanager to listen', async () => {
      const log = await readFile(logFile, 'utf8');
      if (/level=error/.test(log)) throw new Error(log);
      const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      return port ? `http://127.0.0.1:${port}` : undefined;
    }, 30_000, 100);
    await waitFor('Alertmanager to be ready', async () => (await fetch(`${am}/-/ready`)).ok || undefined, 30_000, 100);
  });
  after(async () => {
    if (pid) await stopProcess(pid, 'SIGTERM', 10_000);
    await rm(dir, { recursive: true, force: true });
    await t.close();
  });

  it('delivers each tier to its receivers, holds back the inhibited alert, and sends the resolution', async () => {
    const primaryDown = { alertname: 'PostgreSQLPrimaryDown', member: 'pg-a', zone: 'a', severity: 'critical', tier: '1' };
    await postAlerts([{ labels: primaryDown }]);
    // The inhibiting alert is known before the one it inhibits arrives.
    await waitFor('Alertmanager to hold PostgreSQLPrimaryDown', async () => {
      const alerts = (await (await fetch(`${am}/api/v2/alerts`)).json()) as unknown[];
      return alerts.length === 1 || undefined;
    }, 10_000, 100);
    const redisMasterDown = { alertname: 'RedisMasterDown', member: 'redis-a', zone: 'a', severity: 'critical', tier: '1' };
    await postAlerts([
      { labels: redisMasterDown },
      { labels: { alertname: 'HighAPILatency', job: 'jivs-app', severity: 'high', tier: '2' } },
      { labels: { alertname: 'DiskSpaceLow', instance: 'node-exporter', mountpoint: '/', severity: 'medium', tier: '3' } },
      // Caused by the primary's loss on the same member: inhibited. Another member's is not.
      { labels: { alertname: 'PostgreSQLNodeDown', member: 'pg-a', zone: 'a', severity: 'high', tier: '2' } },
      { labels: { alertname: 'PostgreSQLNodeDown', member: 'pg-b', zone: 'b', severity: 'high', tier: '2' } },
    ]);

    const expected = [
      'DiskSpaceLow - email firing',
      'HighAPILatency - slack firing',
      'PostgreSQLNodeDown pg-b slack firing',
      'PostgreSQLPrimaryDown pg-a pagerduty firing',
      'PostgreSQLPrimaryDown pg-a slack firing',
      'RedisMasterDown redis-a pagerduty firing',
      'RedisMasterDown redis-a slack firing',
    ];
    await arrived(expected);
    // Several group intervals more: nothing else (the inhibited alert, another receiver) arrives.
    await sleep(3_000);
    assert.deepEqual(await inbox(), expected);

    const held = (await (await fetch(`${am}/api/v2/alerts?filter=${encodeURIComponent('member="pg-a"')}`)).json()) as Array<{
      labels: Record<string, string>;
      fingerprint: string;
      status: { state: string; inhibitedBy: string[] };
    }>;
    const source = held.find((a) => a.labels.alertname === 'PostgreSQLPrimaryDown')!;
    const target = held.find((a) => a.labels.alertname === 'PostgreSQLNodeDown')!;
    assert.equal(target.status.state, 'suppressed');
    assert.deepEqual(target.status.inhibitedBy, [source.fingerprint]);

    await postAlerts([{ labels: redisMasterDown, endsAt: new Date().toISOString() }]);
    await arrived(['RedisMasterDown redis-a pagerduty resolved', 'RedisMasterDown redis-a slack resolved']);
  });
});
