SELECT id, dataset_id, name, dimension, definition, created_at FROM quality_rules WHERE id = $1
