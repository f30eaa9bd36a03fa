SELECT id, username, role, disabled, created_at, updated_at, password_changed_at
FROM users
ORDER BY lower(username)
LIMIT $1 OFFSET $2
