-- The account a successful sign-in was for (usernames are unique case-insensitively).
SELECT id, username, role FROM users WHERE lower(username) = lower($1)
