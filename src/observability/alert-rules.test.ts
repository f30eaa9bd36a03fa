import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadRules, scrapedMetricsUsedBy } from './alert-rules.ts';

describe('scrapedMetricsUsedBy', () => {
  it('replaces recorded series by what their rules read, recursively', () => {
    const recordings = [
      { name: 'job:requests:rate5m', expr: 'sum by (job) (rate(http_server_requests_seconds_count[5m]))' },
      { name: 'job:errors:ratio', expr: 'job:errors:rate5m / job:requests:rate5m' },
      { name: 'job:errors:rate5m', expr: 'sum by (job) (rate(http_server_requests_seconds_count{status=~"5.."}[5m])) or job:requests:rate5m * 0' },
    ];
    assert.deepEqual(scrapedMetricsUsedBy('job:errors:ratio > 0.05 and up == 1', recordings), ['http_server_requests_seconds_count', 'up']);
  });
});

describe('loadRules', () => {
  it('lists alerting and recording rules with their group and file, and refuses malformed files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'alert-rules-'));
    try {
      const file = path.join(dir, 'r.yml');
      await writeFile(
        file,
        'groups:\n  - name: g\n    rules:\n      - record: r:x\n        expr: sum(x)\n      - alert: A\n        expr: r:x > 1\n        for: 5m\n        labels: { severity: low }\n',
      );
      const { alerts, recordings } = await loadRules([file]);
      assert.deepEqual(recordings, [{ name: 'r:x', expr: 'sum(x)', group: 'g', file }]);
      assert.deepEqual(alerts, [{ name: 'A', expr: 'r:x > 1', for: '5m', labels: { severity: 'low' }, annotations: {}, group: 'g', file }]);

      await writeFile(file, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        anotations: {}\n');
      await assert.rejects(loadRules([file]), /not a Prometheus rule file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
