-- Entries are only needed until the token would have expired anyway; dropping the stale ones
-- here keeps the table as small as the number of recent sign-outs.
WITH purged AS (
  DELETE FROM revoked_access_tokens WHERE expires_at < clock_timestamp()
)
INSERT INTO revoked_access_tokens (jti, user_id, expires_at)
VALUES ($1, $2, $3)
ON CONFLICT (jti) DO NOTHING
