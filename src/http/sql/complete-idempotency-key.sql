UPDATE idempotency_keys SET status = $3, body = $4 WHERE principal_id = $1 AND key = $2
