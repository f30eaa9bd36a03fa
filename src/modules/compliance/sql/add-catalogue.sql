-- A column or field a person names as PII: confirmed at once.
INSERT INTO pii_catalogue (dataset_id, column_name, json_path, category, confidence, detected_by, status, reviewed_by, reviewed_at)
VALUES ($1, $2, $3, $4, 1, '{person}', 'confirmed', $5, now())
ON CONFLICT (dataset_id, column_name, json_path, category) DO UPDATE
   SET status = 'confirmed', reviewed_by = excluded.reviewed_by, reviewed_at = now(), updated_at = now()
RETURNING id
