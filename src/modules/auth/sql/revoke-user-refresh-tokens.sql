UPDATE refresh_tokens
SET revoked_at = clock_timestamp()
WHERE user_id = $1
  AND revoked_at IS NULL
