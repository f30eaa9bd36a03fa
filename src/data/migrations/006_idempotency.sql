-- Idempotency keys: a POST/PUT/PATCH/DELETE sent with `Idempotency-Key` is applied once. The key
-- row commits in the same transaction as the request's writes, so after a crash, a lost COMMIT
-- answer or a retry through a failover, a key is either absent (nothing was applied; run it) or
-- present with the answer to give again.
CREATE TABLE idempotency_keys (
  principal_id uuid NOT NULL,
  key text NOT NULL,
  -- sha256 of method, route and canonical body: the same key sent with another request is refused.
  fingerprint text NOT NULL,
  method text NOT NULL,
  url text NOT NULL,
  status integer,
  body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
