-- Serialises every change to one user's tokens (see sessions.ts).
SELECT id, username, role, disabled, password_hash
FROM users
WHERE id = $1
FOR UPDATE
