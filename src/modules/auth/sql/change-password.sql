-- Only if the hash is still the one the current password was checked against. Moving
-- tokens_valid_after revokes every token issued so far: it lands strictly after the issue instant
-- of each of them (insert-refresh-token.sql), hence the extra millisecond.
UPDATE users
SET password_hash = $3,
    password_changed_at = clock_timestamp(),
    tokens_valid_after = greatest(date_trunc('milliseconds', clock_timestamp()), tokens_valid_after) + interval '1 millisecond',
    updated_at = clock_timestamp()
WHERE id = $1
  AND password_hash = $2
  AND NOT disabled
RETURNING id, username, role
