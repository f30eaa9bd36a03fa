SELECT id, username, role, disabled, password_hash
FROM users
WHERE id = $1
