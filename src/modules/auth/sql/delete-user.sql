-- Tokens and revocations go with the user (ON DELETE CASCADE); sources and jobs keep a null creator.
DELETE FROM users
WHERE id = $1
RETURNING id
