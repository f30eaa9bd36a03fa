-- Data quality: rules per archived dataset, check runs with per-rule results and issues, schedules.

CREATE TABLE quality_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL REFERENCES archive_datasets (id) ON DELETE CASCADE,
  name text NOT NULL,
  dimension text NOT NULL CHECK (dimension IN
    ('completeness', 'uniqueness', 'validity', 'consistency', 'referential_integrity', 'freshness')),
  kind text NOT NULL,
  -- The rule as the API received it (kind and parameters); compiled to SQL at each run.
  definition jsonb NOT NULL,
  -- A referential rule goes away with the dataset it points at, so no rule can dangle.
  references_dataset_id uuid REFERENCES archive_datasets (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quality_rules_dataset ON quality_rules (dataset_id, created_at);
CREATE INDEX quality_rules_references ON quality_rules (references_dataset_id) WHERE references_dataset_id IS NOT NULL;

CREATE TABLE quality_checks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL REFERENCES archive_datasets (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
  -- The rules as they were when the check was queued: later edits do not change what it measures.
  rules jsonb NOT NULL,
  profile_requested boolean NOT NULL DEFAULT false,
  -- Fencing token of the attempt that owns the check: results from any other attempt are refused.
  lease_id uuid,
  attempts integer NOT NULL DEFAULT 0,
  total_rows bigint,
  -- { overall, dimensions: { <dimension>: score } }, scores 0..100 unrounded.
  scores jsonb,
  profile jsonb,
  error text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX quality_checks_status ON quality_checks (status);
CREATE INDEX quality_checks_dataset ON quality_checks (dataset_id, created_at DESC);

-- One row per rule of a check, written with the lease check as the rule finishes (the checkpoint).
CREATE TABLE quality_rule_results (
  check_id uuid NOT NULL REFERENCES quality_checks (id) ON DELETE CASCADE,
  rule_id uuid NOT NULL,
  dimension text NOT NULL,
  evaluated_rows bigint NOT NULL,
  failing_rows bigint NOT NULL,
  score double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
  passed boolean NOT NULL,
  -- What the rule measured besides counts, e.g. the fill rate or the newest value's age.
  observed jsonb,
  PRIMARY KEY (check_id, rule_id)
);

-- A rule that did not pass in a check: how many rows fail it and up to five of them.
CREATE TABLE quality_issues (
  check_id uuid NOT NULL REFERENCES quality_checks (id) ON DELETE CASCADE,
  rule_id uuid NOT NULL,
  dimension text NOT NULL,
  failing_rows bigint NOT NULL,
  samples jsonb NOT NULL,
  detail text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (check_id, rule_id)
);

-- Mirrors the pg-boss schedule of a dataset's checks, for listing (pg-boss owns the timing).
CREATE TABLE quality_schedules (
  dataset_id uuid PRIMARY KEY REFERENCES archive_datasets (id) ON DELETE CASCADE,
  cron text NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
