-- Rejects of chunks that never committed on the target (and all of them from chunk 1 on: a restart).
DELETE FROM migration_rejects WHERE migration_id = $1 AND chunk_no > $2
