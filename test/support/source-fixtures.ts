import pg from 'pg';
import { createDatabase } from './databases.ts';

/** A source database with the column types an extraction must carry over exactly. */
export async function createTypedSource(rows = 500) {
  const db = await createDatabase('src');
  const client = new pg.Client({ connectionString: db.dsn });
  await client.connect();
  await client.query(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE customer_records (
      id bigint PRIMARY KEY,
      name text,
      note text,
      amount numeric(38, 18),
      ratio double precision,
      created timestamptz,
      birthday date,
      payload jsonb,
      photo bytea,
      tags text[],
      scores integer[],
      active boolean,
      ref uuid,
      wait interval,
      feeling mood
    );
    INSERT INTO customer_records
    SELECT i,
           CASE WHEN i % 7 = 0 THEN NULL ELSE 'name ' || i || ' ünïcödé 名前 🚀' END,
           CASE WHEN i % 5 = 0 THEN E'tab\\there\\nnew line \\\\ backslash' ELSE 'plain' END,
           CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 12345.678901234567890123)::numeric(38, 18) END,
           i / 3.0::float8,
           timestamptz '2024-03-31 23:59:59.123456+02' + i * interval '1 hour 1 second',
           date '1970-01-01' + i,
           jsonb_build_object('i', i, 'nested', jsonb_build_object('k', 'v' || i), 'list', jsonb_build_array(1, 'two', NULL)),
           CASE WHEN i % 3 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') || '\\x00ff'::bytea END,
           ARRAY['a' || i, NULL, 'quote"d', 'comma,'],
           ARRAY[i, -i, 0],
           i % 2 = 0,
           md5(i::text)::uuid,
           i * interval '1 minute 3 seconds',
           (ARRAY['sad', 'ok', 'happy'])[1 + i % 3]::mood
      FROM generate_series(1, ${rows}) AS i;
  `);
  return {
    ...db,
    client,
    table: 'customer_records',
    async close() {
      await client.end();
      await db.drop();
    },
  };
}

/**
 * A larger table and a slow query over it, so a test can observe an extraction in flight: the
 * `throttle` function sleeps briefly every `every` rows.
 */
export async function createSlowSource(rows: number, every = 500, sleepSeconds = 0.02) {
  const db = await createDatabase('slow');
  const client = new pg.Client({ connectionString: db.dsn });
  await client.connect();
  await client.query(`
    CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(20, 4), at timestamptz NOT NULL);
    INSERT INTO items SELECT i, 'item ' || i, i * 1.5, timestamptz '2025-01-01' + i * interval '1 second'
      FROM generate_series(1, ${rows}) AS i;
    CREATE FUNCTION throttle(i bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF i % ${every} = 0 THEN PERFORM pg_sleep(${sleepSeconds}); END IF;
        RETURN true;
      END $$;
    -- With statistics the planner walks the primary key instead of sorting, so rows stream.
    ANALYZE items;
  `);
  return {
    ...db,
    client,
    query: 'SELECT * FROM items WHERE throttle(id)',
    async close() {
      await client.end();
      await db.drop();
    },
  };
}
