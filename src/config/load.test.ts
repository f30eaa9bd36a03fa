import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configLeaves, isConfigError, loadConfig } from './load.ts';

describe('configuration', () => {
  it('has the plan defaults', () => {
    const config = loadConfig({});
    assert.equal(config.http.port, 8080);
    assert.deepEqual(config.jobs.pools.extraction, { core: 20, max: 50, queue: 100 });
    assert.deepEqual(config.jobs.pools.migration, { core: 10, max: 30, queue: 50 });
    assert.deepEqual(config.jobs.pools.analytics, { core: 5, max: 10, queue: 20 });
    assert.equal(config.rateLimits.auth.points, 5);
    assert.equal(config.rateLimits.default.points, 100);
  });

  it('reads every leaf from its JIVS_ variable, with types and lists', () => {
    const config = loadConfig({
      JIVS_HTTP_PORT: '9090',
      JIVS_EMBEDDED_ENABLED: 'false',
      JIVS_DATABASE_WRITE: 'postgres://a@h/db',
      JIVS_DATABASE_READ: 'postgres://a@r1/db, postgres://a@r2/db',
      JIVS_JOBS_POOLS_EXTRACTION_CORE: '3',
    });
    assert.equal(config.http.port, 9090);
    assert.equal(config.embedded.enabled, false);
    assert.deepEqual(config.database.read, ['postgres://a@r1/db', 'postgres://a@r2/db']);
    assert.equal(config.jobs.pools.extraction.core, 3);
    assert.ok(configLeaves().some((l) => l.env === 'JIVS_JOBS_POOLS_EXTRACTION_QUEUE'));
  });

  it('names the bad setting in the error', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ JIVS_HTTP_PORT: 'eighty' }, /JIVS_HTTP_PORT \(http\.port\)/],
      [{ JIVS_DATABASE_WRITE: 'mysql://x' }, /JIVS_DATABASE_WRITE \(database\.write\): must be a postgres/],
      [{ JIVS_JOBS_POOLS_EXTRACTION_CORE: '60' }, /max must be at least core/],
      [{ JIVS_HTTP_PROT: '1' }, /unknown setting JIVS_HTTP_PROT/],
      [{ JIVS_CONFIG_FILE: '/nonexistent/jivs.yaml' }, /JIVS_CONFIG_FILE: cannot read/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig(env), (e: unknown) => isConfigError(e) && message.test(e.message), JSON.stringify(env));
    }
  });
});
