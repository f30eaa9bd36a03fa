-- Claims a key for this request. A row another request is still writing blocks here until that
-- transaction ends; an expired row is taken over. No row back means the key is taken.
INSERT INTO idempotency_keys (principal_id, key, fingerprint, method, url, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
ON CONFLICT (principal_id, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method, url = EXCLUDED.url,
      status = NULL, body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
  WHERE idempotency_keys.expires_at < now()
RETURNING key
