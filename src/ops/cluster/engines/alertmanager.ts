import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterContext, Engine } from '../engine.ts';
import type { Member } from '../topology.ts';
import { checkWith, DEPLOY_DIR } from './deploy.ts';
import { getJson, probeOrDown } from './probes.ts';

const TEMPLATE = path.join(DEPLOY_DIR, 'alertmanager', 'alertmanager.yml');

/**
 * Fills the template's placeholders: `${JIVS_ALERT_WEBHOOK_URL}` (the alert inbox behind this
 * zone's front end) and `${JIVS_ALERT_WEBHOOK_TOKEN}`. Any other `${JIVS_...}` is refused, so a
 * template and this renderer cannot drift apart silently.
 */
export function renderAlertmanagerConfig(template: string, member: Member, cluster: ClusterContext): string {
  const front = cluster.topology.haproxy.find((h) => h.zone === member.zone)!;
  const values: Record<string, string> = {
    JIVS_ALERT_WEBHOOK_URL: `http://127.0.0.1:${front.ports.front}/api/v1/alerts/inbox`,
    JIVS_ALERT_WEBHOOK_TOKEN: cluster.secrets.alertWebhookToken,
  };
  return template.replace(/\$\{(JIVS_[A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${TEMPLATE} uses \${${name}}; jivs cluster fills only ${Object.keys(values).map((k) => `\${${k}}`).join(', ')}`);
    return value;
  });
}

interface AlertmanagerStatus {
  cluster?: { status?: string; peers?: unknown[] };
}

/** Alertmanager x2, clustered: they gossip silences and notifications so an alert is sent once. */
export const alertmanagerEngine: Engine = {
  kind: 'alertmanager',
  async prepare(member, cluster) {
    await mkdir(path.join(member.dir, 'data'), { recursive: true, mode: 0o700 });
    const template = await readFile(TEMPLATE, 'utf8');
    const file = path.join(member.dir, 'alertmanager.yml');
    // It holds the webhook token.
    await writeFile(file, renderAlertmanagerConfig(template, member, cluster), { mode: 0o600 });
    await checkWith('/usr/bin/amtool', ['check-config', file]);
    const gossip = `127.0.0.1:${member.ports.gossip}`;
    return {
      command: '/usr/bin/prometheus-alertmanager',
      args: [
        `--config.file=${file}`,
        `--storage.path=${path.join(member.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${member.port}`,
        `--cluster.listen-address=${gossip}`,
        `--cluster.advertise-address=${gossip}`,
        ...cluster.topology.alertmanager.filter((a) => a !== member).map((a) => `--cluster.peer=127.0.0.1:${a.ports.gossip}`),
      ],
      asEngineUser: true,
    };
  },
  probe: (member, cluster) =>
    probeOrDown(async () => {
      const { status } = await getJson(`http://127.0.0.1:${member.port}/-/ready`);
      const { body } = await getJson<AlertmanagerStatus>(`http://127.0.0.1:${member.port}/api/v2/status`);
      const peers = body?.cluster?.peers?.length ?? 0;
      return {
        healthy: status === 200 && peers === cluster.topology.alertmanager.length,
        role: 'alertmanager',
        detail: `${peers} peers, cluster ${body?.cluster?.status ?? 'unknown'}`,
      };
    }),
};
