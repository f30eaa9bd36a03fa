SELECT c.*, d.table_name
  FROM pii_catalogue c JOIN archive_datasets d ON d.id = c.dataset_id
 WHERE ($1::uuid IS NULL OR c.dataset_id = $1)
   AND ($2::text IS NULL OR c.status = $2)
   AND ($3::text IS NULL OR c.category = $3)
 ORDER BY d.created_at, d.id, c.column_name, c.json_path, c.category
 LIMIT $4 OFFSET $5
