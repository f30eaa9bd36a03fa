-- Everything a presented access token is checked against, in one round trip.
SELECT
  u.username,
  u.role,
  u.disabled,
  floor(extract(epoch FROM u.tokens_valid_after) * 1000)::bigint AS tokens_valid_after_ms,
  EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $2) AS revoked
FROM users u
WHERE u.id = $1
