SELECT d.id, d.extraction_id, j.name, d.table_name, d.columns, d.row_count, d.checksum, d.created_at
  FROM archive_datasets d JOIN extraction_jobs j ON j.id = d.extraction_id
 ORDER BY d.created_at DESC, d.id
 LIMIT $1 OFFSET $2
