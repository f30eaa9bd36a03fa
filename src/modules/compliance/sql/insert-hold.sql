INSERT INTO legal_holds (dataset_id, reason, placed_by) VALUES ($1, $2, $3) RETURNING id
