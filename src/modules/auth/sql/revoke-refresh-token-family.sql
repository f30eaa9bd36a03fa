-- Revokes every token of the sign-in the given token belongs to, if it belongs to the user.
UPDATE refresh_tokens
SET revoked_at = clock_timestamp()
WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)
  AND revoked_at IS NULL
