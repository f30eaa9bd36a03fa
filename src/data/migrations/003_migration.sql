-- Migrations from a data source or an archived dataset into a PostgreSQL target, and the rows
-- they rejected. The exactly-once bookkeeping of each load lives in the target itself
-- (schema jivs_meta there); these tables mirror its progress for the API.

CREATE TABLE migrations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  -- The validated definition: source, target, mapping, rules, thresholds.
  definition jsonb NOT NULL,
  -- A data source, or NULL when the source is an archived dataset (named in the definition).
  source_id uuid REFERENCES data_sources (id) ON DELETE RESTRICT,
  target_source_id uuid NOT NULL REFERENCES data_sources (id) ON DELETE RESTRICT,
  status text NOT NULL DEFAULT 'created'
    CHECK (status IN ('created', 'queued', 'running', 'completed', 'failed', 'rolling_back', 'rolled_back')),
  -- Fencing token of the attempt (run or rollback) that owns the migration.
  lease_id uuid,
  -- Status and counts per phase: extract, transform, validate, load, verify.
  phases jsonb NOT NULL,
  records_read bigint NOT NULL DEFAULT 0,
  records_migrated bigint NOT NULL DEFAULT 0,
  records_rejected bigint NOT NULL DEFAULT 0,
  chunks integer NOT NULL DEFAULT 0,
  verification jsonb,
  rollback jsonb,
  attempts integer NOT NULL DEFAULT 0,
  error text,
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  progress_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX migrations_status ON migrations (status);
CREATE INDEX migrations_created ON migrations (created_at DESC, id);

-- Source rows that were not migrated, with the rule they broke. chunk_no ties each row to the
-- target chunk it belongs to, so rows of a chunk that never committed on the target are removed
-- when the migration resumes.
CREATE TABLE migration_rejects (
  migration_id uuid NOT NULL REFERENCES migrations (id) ON DELETE CASCADE,
  row_no bigint NOT NULL,
  chunk_no integer NOT NULL,
  phase text NOT NULL CHECK (phase IN ('transform', 'validate', 'load')),
  rule text NOT NULL,
  reason text NOT NULL,
  source_row jsonb NOT NULL,
  PRIMARY KEY (migration_id, row_no)
);
