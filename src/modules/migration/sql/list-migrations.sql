SELECT m.*, s.name AS source_name, s.kind AS source_kind, t.name AS target_name
  FROM migrations m
  LEFT JOIN data_sources s ON s.id = m.source_id
  JOIN data_sources t ON t.id = m.target_source_id
 WHERE ($1::text IS NULL OR m.status = $1)
 ORDER BY m.created_at DESC, m.id
 LIMIT $2 OFFSET $3
