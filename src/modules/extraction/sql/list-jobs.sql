SELECT j.*, s.kind AS source_kind, s.name AS source_name
  FROM extraction_jobs j JOIN data_sources s ON s.id = j.source_id
 WHERE ($1::text IS NULL OR j.status = $1)
 ORDER BY j.created_at DESC, j.id
 LIMIT $2 OFFSET $3
