INSERT INTO data_sources (id, name, kind, settings, secret_ciphertext, created_by)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)
RETURNING id, name, kind, settings, secret_ciphertext IS NOT NULL AS has_secret, created_by, created_at
