-- No row back means the username is taken (compared case-insensitively).
INSERT INTO users (username, password_hash, role)
VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
RETURNING id, username, role, disabled, created_at, updated_at, password_changed_at
