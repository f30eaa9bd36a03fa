-- Bookkeeping of migrations in the TARGET database, written in the same transactions as the rows
-- they describe: the lease that fences off stale workers, and one ledger row per committed chunk.
CREATE SCHEMA IF NOT EXISTS jivs_meta;
CREATE TABLE IF NOT EXISTS jivs_meta.migrations (
  migration_id uuid PRIMARY KEY,
  lease_id uuid NOT NULL,
  target_table text NOT NULL,
  -- jivs_meta.<keys_table> holds the key of every row this migration loaded.
  keys_table text NOT NULL,
  -- The migration created the target table (rollback drops it).
  created_table boolean NOT NULL DEFAULT false,
  -- The target table held rows before the migration loaded any: loaded keys are looked up there.
  target_had_rows boolean NOT NULL DEFAULT true,
  leased_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS jivs_meta.migration_ledger (
  migration_id uuid NOT NULL REFERENCES jivs_meta.migrations (migration_id) ON DELETE CASCADE,
  chunk_no integer NOT NULL,
  -- Where the source continues after this chunk (the reader's resume state, e.g. the last key).
  resume jsonb,
  -- Running totals after this chunk, and the fingerprint of all rows loaded so far.
  counts jsonb NOT NULL,
  fingerprint jsonb NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (migration_id, chunk_no)
);
