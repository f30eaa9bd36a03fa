-- Tokens are dated no earlier than the user's tokens_valid_after, so a token issued in the same
-- millisecond as a revocation (the new tokens of a password change) is valid. The access token
-- issued alongside carries the same instant as its iat.
INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)
SELECT $1, u.id, $3, $4, t.issued_at, t.issued_at + make_interval(secs => $5)
FROM users u
CROSS JOIN LATERAL (
  SELECT greatest(date_trunc('milliseconds', clock_timestamp()), u.tokens_valid_after) AS issued_at
) t
WHERE u.id = $2
RETURNING floor(extract(epoch FROM created_at) * 1000)::bigint AS issued_at_ms
