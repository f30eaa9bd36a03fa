INSERT INTO extraction_jobs (id, name, source_id, spec, archive_table, records_estimated, bytes_estimated, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *
