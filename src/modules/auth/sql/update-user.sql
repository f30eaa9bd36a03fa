-- A null leaves the field as it is. Disabling also revokes every token issued so far
-- (see change-password.sql for the extra millisecond).
UPDATE users
SET role = coalesce($2, role),
    disabled = coalesce($3, disabled),
    tokens_valid_after = CASE
      WHEN $3 THEN greatest(date_trunc('milliseconds', clock_timestamp()), tokens_valid_after) + interval '1 millisecond'
      ELSE tokens_valid_after
    END,
    updated_at = clock_timestamp()
WHERE id = $1
RETURNING id, username, role, disabled, created_at, updated_at, password_changed_at
