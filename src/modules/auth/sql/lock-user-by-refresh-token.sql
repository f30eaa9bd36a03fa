-- Locks the owner of a refresh token before the token itself: the same order as every other
-- transaction that touches a user's tokens, so they cannot deadlock.
SELECT id, username, role, disabled
FROM users
WHERE id = (SELECT user_id FROM refresh_tokens WHERE token_hash = $1)
FOR UPDATE
