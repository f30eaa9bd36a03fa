import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../config/load.ts';
import type { ClusterContext } from '../engine.ts';
import type { ClusterSecrets } from '../secrets.ts';
import { topology } from '../topology.ts';
import { renderAlertmanagerConfig } from './alertmanager.ts';

const config = loadConfig({});
const cluster: ClusterContext = {
  config,
  settings: config.cluster,
  dir: '/nonexistent',
  topology: topology({ basePort: 12_000, dir: '/nonexistent' }),
  secrets: { alertWebhookToken: 'tok-123' } as ClusterSecrets,
};
const [a, b] = cluster.topology.alertmanager;

describe('renderAlertmanagerConfig', () => {
  it('fills the webhook URL (the alert inbox behind the Alertmanager\'s own zone) and the token', () => {
    const template = "url: '${JIVS_ALERT_WEBHOOK_URL}'\ncredentials: ${JIVS_ALERT_WEBHOOK_TOKEN}\nalso: '${JIVS_ALERT_WEBHOOK_URL}'\n";
    // HAProxy's front ends are base + 103 (zone a) and base + 113 (zone b).
    assert.equal(
      renderAlertmanagerConfig(template, a!, cluster),
      "url: 'http://127.0.0.1:12103/api/v1/alerts/inbox'\ncredentials: tok-123\nalso: 'http://127.0.0.1:12103/api/v1/alerts/inbox'\n",
    );
    assert.match(renderAlertmanagerConfig(template, b!, cluster), /^url: 'http:\/\/127\.0\.0\.1:12113\/api\/v1\/alerts\/inbox'$/m);
  });

  it('leaves Alertmanager\'s own templating alone and refuses a placeholder it does not fill', () => {
    const own = 'text: "{{ .CommonLabels.alertname }} ${HOME}"\n';
    assert.equal(renderAlertmanagerConfig(own, a!, cluster), own);
    assert.throws(() => renderAlertmanagerConfig('key: ${JIVS_PAGERDUTY_KEY}\n', a!, cluster), /uses \$\{JIVS_PAGERDUTY_KEY\}; jivs cluster fills only \$\{JIVS_ALERT_WEBHOOK_URL\}, \$\{JIVS_ALERT_WEBHOOK_TOKEN\}/);
  });
});
