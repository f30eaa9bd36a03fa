DELETE FROM quality_rules WHERE id = $1 RETURNING id, dataset_id, name
