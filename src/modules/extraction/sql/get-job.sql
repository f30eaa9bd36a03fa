SELECT j.*, s.kind AS source_kind, s.name AS source_name
  FROM extraction_jobs j JOIN data_sources s ON s.id = j.source_id
 WHERE j.id = $1
