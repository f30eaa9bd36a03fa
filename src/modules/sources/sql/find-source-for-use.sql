SELECT id, name, kind, settings, secret_ciphertext IS NOT NULL AS has_secret, created_by, created_at, secret_ciphertext
FROM data_sources
WHERE id = $1
