INSERT INTO quality_rules (dataset_id, name, dimension, kind, definition, references_dataset_id, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, dataset_id, name, dimension, definition, created_at
