SELECT id, name, kind, settings, secret_ciphertext IS NOT NULL AS has_secret, created_by, created_at
FROM data_sources
ORDER BY lower(name)
