SELECT fingerprint, method, url, status, body FROM idempotency_keys WHERE principal_id = $1 AND key = $2
