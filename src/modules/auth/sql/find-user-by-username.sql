-- Usernames are unique case-insensitively (users_username_key on lower(username)).
SELECT id, username, role, disabled, password_hash
FROM users
WHERE lower(username) = lower($1)
