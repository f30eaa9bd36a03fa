UPDATE refresh_tokens
SET replaced_at = clock_timestamp()
WHERE id = $1
