import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { CopyIn, isRowError } from '../src/data/copy-in.ts';
import { createDatabase } from './support/databases.ts';

describe('COPY into a table that refuses the rows', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let client: pg.Client;

  before(async () => {
    db = await createDatabase('copy');
    client = new pg.Client({ connectionString: db.dsn });
    await client.connect();
    await client.query('CREATE TABLE t (id integer PRIMARY KEY, filler text)');
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  it('reports the refusal while writes are still queued behind a full socket, without crashing, and the session stays usable', async () => {
    const uncaught: Error[] = [];
    const record = (e: Error) => uncaught.push(e);
    process.on('uncaughtException', record);
    try {
      await client.query('BEGIN');
      const copy = new CopyIn(client, 'COPY t FROM STDIN');
      const filler = 'x'.repeat(200);
      // A duplicate key deep into the stream, so the refusal arrives while the writer keeps the socket full.
      for (let batch = 0; batch < 20_000 && !copy.failed; batch++) {
        const lines: string[] = [];
        for (let i = batch * 100; i < (batch + 1) * 100; i++) lines.push(`${i === 300_000 ? 1 : i}\t${filler}\n`);
        await copy.write(Buffer.from(lines.join('')));
      }
      const error = await copy.finish();
      assert.ok(error, 'the refusal is reported');
      assert.equal(isRowError(error), true);
      assert.match(error.message, /duplicate key/);
      await client.query('ROLLBACK');
      // Give queued socket writes time to drain into the discarded connection.
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual((await client.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 0 }]);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', record);
    }
  });

  it('loads when nothing is wrong, and abandons cleanly', async () => {
    await client.query('BEGIN');
    const copy = new CopyIn(client, 'COPY t FROM STDIN');
    await copy.write(Buffer.from('1\ta\n2\tb\n'));
    assert.equal(await copy.finish(), undefined);
    const abandoned = new CopyIn(client, 'COPY t FROM STDIN');
    await abandoned.write(Buffer.from('3\tc\n'));
    await abandoned.abort();
    await client.query('ROLLBACK');
    await client.query('BEGIN');
    const again = new CopyIn(client, 'COPY t FROM STDIN');
    await again.write(Buffer.from('4\td\n'));
    assert.equal(await again.finish(), undefined);
    await client.query('COMMIT');
    assert.deepEqual((await client.query('SELECT id FROM t ORDER BY id')).rows, [{ id: 4 }]);
  });
});
