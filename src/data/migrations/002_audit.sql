-- The audit trail: an append-only hash chain. Each entry's hash covers its fields and the hash of
-- the entry before it, so an edited, deleted, inserted or reordered entry breaks the chain.

CREATE TABLE audit_log (
  -- Assigned as last + 1 under the chain lock, not by a sequence: a sequence leaves a gap for every
  -- rolled-back append, and a gap must mean a deleted entry.
  seq bigint PRIMARY KEY CHECK (seq > 0),
  id uuid NOT NULL UNIQUE,
  at timestamptz NOT NULL,
  -- No foreign key to users: deleting a user must not touch (and cannot edit) their entries.
  actor_user_id uuid,
  actor_username text,
  actor_role text,
  action text NOT NULL,
  target text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  -- Text, not inet: the stored form must be exactly the hashed form.
  source_ip text,
  details jsonb NOT NULL DEFAULT '{}',
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (lower(actor_username));
CREATE INDEX audit_log_action ON audit_log (action text_pattern_ops);
CREATE INDEX audit_log_target ON audit_log (target);

-- Even a bug in the service cannot change history. A DBA can bypass this (DISABLE TRIGGER,
-- session_replication_role = replica); verification still detects what they changed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'audit entries are never edited or deleted; record a new entry instead';
END
$$;
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
