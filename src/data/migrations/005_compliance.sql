-- Compliance: the PII catalogue of the archive, data-subject requests (GDPR/CCPA), retention
-- policies and their runs, and legal holds.

-- When each dataset was last sampled for PII; a dataset re-extracted after that is sampled again.
CREATE TABLE pii_scans (
  dataset_id uuid PRIMARY KEY REFERENCES archive_datasets (id) ON DELETE CASCADE,
  sampled_rows integer NOT NULL,
  scanned_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pii_catalogue (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL REFERENCES archive_datasets (id) ON DELETE CASCADE,
  column_name text NOT NULL,
  -- Keys from the column's JSON value to the field; empty for a plain column.
  json_path text[] NOT NULL DEFAULT '{}',
  category text NOT NULL CHECK (category IN ('email', 'phone', 'iban', 'ssn', 'national_id', 'passport',
    'card_number', 'customer_id', 'name', 'address', 'birth_date')),
  confidence real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  -- Sampled values that matched the category's pattern, out of sampled_values non-null ones.
  evidence_count integer NOT NULL DEFAULT 0,
  sampled_values integer NOT NULL DEFAULT 0,
  detected_by text[] NOT NULL,
  status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'rejected')),
  reviewed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  reviewed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX pii_catalogue_key ON pii_catalogue (dataset_id, column_name, json_path, category);

CREATE TABLE compliance_requests (
  id uuid PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('access', 'erasure', 'rectification', 'portability')),
  regulation text NOT NULL CHECK (regulation IN ('gdpr', 'ccpa')),
  erasure_mode text CHECK (erasure_mode IN ('delete', 'anonymise')),
  -- Identifiers of the data subject; replaced by their SHA-256 once an erasure has completed.
  subject jsonb NOT NULL,
  rectification jsonb,
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in_progress', 'completed',
    'completed_with_exceptions', 'rejected', 'failed')),
  received_at timestamptz NOT NULL DEFAULT now(),
  -- Set by the trigger below from received_at and the regulation.
  due_at timestamptz NOT NULL,
  -- Fencing token of the attempt that owns the request.
  lease_id uuid,
  attempts integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  completed_at timestamptz,
  -- Why it was rejected or failed, or why the last attempt is being retried.
  reason text,
  result jsonb,
  -- The receipt exactly as hashed: text, so the stored bytes are the hashed bytes.
  receipt text,
  receipt_sha256 text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_requests_received ON compliance_requests (received_at DESC, id);
CREATE INDEX compliance_requests_open ON compliance_requests (due_at) WHERE status IN ('received', 'in_progress', 'failed');

-- Legal deadlines, counted in UTC whatever the session's time zone: GDPR Art. 12(3) one month
-- (the same day of the next month, or its last day when it has no such day), CCPA 45 days.
CREATE FUNCTION compliance_request_due_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.due_at := (NEW.received_at AT TIME ZONE 'UTC'
    + CASE NEW.regulation WHEN 'gdpr' THEN interval '1 month' ELSE interval '45 days' END) AT TIME ZONE 'UTC';
  RETURN NEW;
END
$$;
CREATE TRIGGER compliance_request_due_at
  BEFORE INSERT OR UPDATE OF received_at, regulation ON compliance_requests
  FOR EACH ROW EXECUTE FUNCTION compliance_request_due_at();

-- Export bundles of access and portability requests: kept in the database so every instance
-- can serve them. part is 'bundle' (JSON) or a dataset id (that dataset's CSV).
CREATE TABLE compliance_exports (
  request_id uuid NOT NULL REFERENCES compliance_requests (id) ON DELETE CASCADE,
  format text NOT NULL CHECK (format IN ('json', 'csv')),
  part text NOT NULL,
  content text NOT NULL,
  sha256 text NOT NULL,
  PRIMARY KEY (request_id, format, part)
);

CREATE TABLE legal_holds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL REFERENCES archive_datasets (id) ON DELETE CASCADE,
  reason text NOT NULL,
  placed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  released_by uuid REFERENCES users (id) ON DELETE SET NULL,
  released_at timestamptz
);
CREATE INDEX legal_holds_active ON legal_holds (dataset_id) WHERE released_at IS NULL;

-- A dataset under an active hold cannot be deleted by anything (an extraction's deletion cascades here).
CREATE FUNCTION archive_dataset_hold_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM legal_holds WHERE dataset_id = OLD.id AND released_at IS NULL) THEN
    RAISE EXCEPTION 'archive dataset % is under legal hold', OLD.id
      USING ERRCODE = 'restrict_violation', HINT = 'release its legal holds first';
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER archive_dataset_hold_guard
  BEFORE DELETE ON archive_datasets
  FOR EACH ROW EXECUTE FUNCTION archive_dataset_hold_guard();

CREATE TABLE retention_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL UNIQUE REFERENCES archive_datasets (id) ON DELETE CASCADE,
  date_column text NOT NULL,
  keep_for_days integer NOT NULL CHECK (keep_for_days > 0),
  action text NOT NULL CHECK (action IN ('delete', 'anonymise')),
  cron text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE retention_runs (
  -- The id of the job that performs the run, so a retried scheduled job finds its own run.
  id uuid PRIMARY KEY,
  policy_id uuid NOT NULL REFERENCES retention_policies (id) ON DELETE CASCADE,
  dataset_id uuid NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'skipped', 'failed')),
  lease_id uuid,
  attempts integer NOT NULL DEFAULT 0,
  cutoff timestamptz,
  rows_affected bigint,
  skip_reason text,
  legal_holds jsonb,
  error text,
  requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX retention_runs_policy ON retention_runs (policy_id, created_at DESC);

-- Replaces the value at `path` only where the document has it: jsonb_set would add a missing
-- key, or fail where the path runs through an array.
CREATE FUNCTION compliance_jsonb_replace(doc jsonb, path text[], value jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN doc #> path IS NULL THEN doc ELSE jsonb_set(doc, path, value, false) END;
