import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { PROMETHEUS_DIR, ruleFiles } from '../../../observability/alert-rules.ts';
import type { ClusterContext, Engine } from '../engine.ts';
import type { ExporterJob, Member, Topology } from '../topology.ts';
import { checkWith } from './deploy.ts';
import { getJson, probeOrDown } from './probes.ts';

interface ScrapeJob {
  job: string;
  /** Each target with the member it speaks for (an exporter speaks for the member it watches). */
  targets: Array<{ port: number; member: Member }>;
}

/** The scrape contract: job names and the `member`/`zone` labels the rules and dashboards query. */
function scrapeJobs(topology: Topology): ScrapeJob[] {
  const direct = (job: string, members: Member[]): ScrapeJob => ({ job, targets: members.map((m) => ({ port: m.port, member: m })) });
  const exported = (job: ExporterJob): ScrapeJob => ({
    job,
    targets: topology.exporters.filter((e) => e.job === job).map((e) => ({ port: e.port, member: e.watches ?? e })),
  });
  return [
    direct('jivs-app', topology.app),
    direct('patroni', topology.postgres),
    exported('postgres'),
    exported('redis'),
    exported('sentinel'),
    // HAProxy's built-in PROMEX on each stats port.
    direct('haproxy', topology.haproxy),
    exported('pgbouncer'),
    exported('node'),
    direct('etcd', topology.etcd),
    direct('prometheus', topology.prometheus),
    direct('alertmanager', topology.alertmanager),
  ];
}

function prometheusConfig(cluster: ClusterContext, rules: string[]) {
  const interval = cluster.settings.scrapeIntervalSeconds;
  return {
    global: {
      scrape_interval: `${interval}s`,
      scrape_timeout: `${Math.min(interval, 10)}s`,
      evaluation_interval: `${interval}s`,
    },
    rule_files: rules,
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: cluster.topology.alertmanager.map((a) => `127.0.0.1:${a.port}`) }] }],
    },
    scrape_configs: scrapeJobs(cluster.topology).map(({ job, targets }) => ({
      job_name: job,
      static_configs: targets.map((t) => ({
        targets: [`127.0.0.1:${t.port}`],
        labels: { member: t.member.name, zone: t.member.zone },
      })),
    })),
  };
}

/**
 * Copies the rule files (deploy/prometheus/rules/*.yml and recording.yml) into the member's
 * directory, which the engine user can read (the repository may not be) and where an edit made
 * while Prometheus runs is not half-loaded on a restart; returns the copies.
 */
async function copyRules(member: Member): Promise<string[]> {
  const into = path.join(member.dir, 'rules');
  await rm(into, { recursive: true, force: true });
  await mkdir(path.join(into, 'rules'), { recursive: true });
  const { alerting, recording } = await ruleFiles();
  return Promise.all(
    [...alerting, recording].map(async (file) => {
      const copy = path.join(into, path.relative(PROMETHEUS_DIR, file));
      await copyFile(file, copy);
      return copy;
    }),
  );
}

/** Prometheus x2, active-active: the same configuration, both scrape every target, evaluate every rule and alert to both Alertmanagers. */
export const prometheusEngine: Engine = {
  kind: 'prometheus',
  async prepare(member, cluster) {
    await mkdir(path.join(member.dir, 'data'), { recursive: true, mode: 0o700 });
    const file = path.join(member.dir, 'prometheus.yml');
    await writeFile(file, stringify(prometheusConfig(cluster, await copyRules(member))));
    await checkWith('/usr/bin/promtool', ['check', 'config', file]);
    return {
      command: '/usr/bin/prometheus',
      args: [
        `--config.file=${file}`,
        `--storage.tsdb.path=${path.join(member.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${member.port}`,
      ],
      asEngineUser: true,
    };
  },
  probe: (member) =>
    probeOrDown(async () => {
      const { status } = await getJson(`http://127.0.0.1:${member.port}/-/ready`);
      const targets = await getJson<{ data?: { activeTargets?: Array<{ health: string }> } }>(
        `http://127.0.0.1:${member.port}/api/v1/targets?state=active`,
      ).catch(() => undefined);
      const active = targets?.body?.data?.activeTargets ?? [];
      return {
        healthy: status === 200,
        role: 'prometheus',
        detail: `${active.filter((t) => t.health === 'up').length}/${active.length} targets up`,
      };
    }),
};
