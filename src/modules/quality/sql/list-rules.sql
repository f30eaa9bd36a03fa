SELECT id, dataset_id, name, dimension, definition, created_at
  FROM quality_rules
 WHERE ($1::uuid IS NULL OR dataset_id = $1)
 ORDER BY created_at, id
 LIMIT $2 OFFSET $3
