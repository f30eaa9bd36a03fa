SELECT p.*, d.table_name
  FROM retention_policies p JOIN archive_datasets d ON d.id = p.dataset_id
 WHERE ($1::uuid IS NULL OR p.id = $1)
   AND ($2::uuid IS NULL OR p.dataset_id = $2)
 ORDER BY p.created_at DESC, p.id
 LIMIT $3 OFFSET $4
