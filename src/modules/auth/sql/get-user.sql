SELECT id, username, role, disabled, created_at, updated_at, password_changed_at
FROM users
WHERE id = $1
