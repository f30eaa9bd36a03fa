import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failoverRetry, isPrimaryUnavailable } from './database-failover.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database failover policy', () => {
  it('recognises a database that went away or is read-only, not a wrong statement', () => {
    for (const e of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('cannot execute INSERT in a read-only transaction', '25006'),
      withCode('pgbouncer cannot connect to server', '08P01'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
    ]) {
      assert.ok(isPrimaryUnavailable(e), e.message);
    }
    for (const e of [withCode('duplicate key value', '23505'), withCode('syntax error', '42601'), new Error('boom'), 'text']) {
      assert.ok(!isPrimaryUnavailable(e), String(e));
    }
  });

  it('retries through a failover and returns the first success', async () => {
    let calls = 0;
    const result = await failoverRetry(5000).execute(() => {
      calls++;
      if (calls < 3) throw withCode('connect ECONNREFUSED', 'ECONNREFUSED');
      return 'written';
    });
    assert.equal(result, 'written');
    assert.equal(calls, 3);
  });

  it('does not retry an error the request caused', async () => {
    let calls = 0;
    await assert.rejects(
      failoverRetry(5000).execute(() => {
        calls++;
        throw withCode('duplicate key value', '23505');
      }),
      /duplicate key/,
    );
    assert.equal(calls, 1);
  });
});
