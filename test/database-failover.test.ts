import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';

describe('a transaction whose connection the server dropped is run again', () => {
  let t: TestApp;
  let admin: pg.Client;

  before(async () => {
    t = await startTestApp();
    admin = new pg.Client({ connectionString: t.dsn });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await t.close();
  });

  it('retries a shared transaction whose backend was terminated between two statements', async () => {
    let attempts = 0;
    const result = await t.app.ctx.db.sharedTransaction(async (client) => {
      attempts++;
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (attempts === 1) {
        // The server goes away while the work is between statements (a primary lost mid-request).
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await sleep(200);
      }
      return (await client.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n;
    });
    assert.equal(result, 42);
    assert.equal(attempts, 2);
  });
});
