SELECT * FROM retention_runs
 WHERE ($1::uuid IS NULL OR id = $1)
   AND ($2::uuid IS NULL OR policy_id = $2)
 ORDER BY created_at DESC, id
 LIMIT $3 OFFSET $4
