INSERT INTO migrations (id, name, definition, source_id, target_source_id, phases, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
