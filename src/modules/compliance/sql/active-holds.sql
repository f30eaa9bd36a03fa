SELECT id, dataset_id, reason, placed_at FROM legal_holds
 WHERE dataset_id = ANY($1::uuid[]) AND released_at IS NULL
 ORDER BY placed_at, id
