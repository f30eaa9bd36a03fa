SELECT id, dataset_id, status, trigger, attempts, total_rows, scores, error, created_at, started_at, finished_at
  FROM quality_checks
 WHERE ($1::uuid IS NULL OR dataset_id = $1) AND ($2::text IS NULL OR status = $2)
 ORDER BY created_at DESC, id
 LIMIT $3 OFFSET $4
