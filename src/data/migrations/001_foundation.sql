-- Users, tokens, data sources, extraction jobs and the archive catalogue.

CREATE SCHEMA IF NOT EXISTS archive;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'analyst', 'auditor')),
  disabled boolean NOT NULL DEFAULT false,
  -- Access and refresh tokens issued before this instant are revoked (password change, disable).
  tokens_valid_after timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Refresh tokens rotate: each use replaces the token; reuse of a replaced token revokes the family.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  replaced_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Access tokens revoked before their expiry (logout). Rows can be purged after expires_at.
CREATE TABLE revoked_access_tokens (
  jti uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('postgres', 'csv', 'ndjson', 'http_json')),
  -- Everything that is not a secret; secrets live encrypted in secret_ciphertext.
  settings jsonb NOT NULL,
  secret_ciphertext bytea,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX data_sources_name_key ON data_sources (lower(name));

CREATE TABLE extraction_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  source_id uuid NOT NULL REFERENCES data_sources (id) ON DELETE RESTRICT,
  spec jsonb NOT NULL,
  status text NOT NULL DEFAULT 'created'
    CHECK (status IN ('created', 'queued', 'running', 'completed', 'failed', 'cancelled')),
  cancel_requested boolean NOT NULL DEFAULT false,
  -- Fencing token of the attempt that owns the job: a checkpoint from any other attempt is refused.
  lease_id uuid,
  archive_table text NOT NULL UNIQUE,
  records_extracted bigint NOT NULL DEFAULT 0,
  bytes_extracted bigint NOT NULL DEFAULT 0,
  records_estimated bigint,
  bytes_estimated bigint,
  -- Resume state; written in the same transaction as the rows it covers.
  checkpoint jsonb,
  attempts integer NOT NULL DEFAULT 0,
  verification jsonb,
  error text,
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  progress_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX extraction_jobs_status ON extraction_jobs (status);

-- The archive catalogue: one dataset per completed extraction, stored as a table in schema archive.
CREATE TABLE archive_datasets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  extraction_id uuid NOT NULL UNIQUE REFERENCES extraction_jobs (id) ON DELETE CASCADE,
  table_name text NOT NULL,
  columns jsonb NOT NULL,
  row_count bigint NOT NULL,
  checksum text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
