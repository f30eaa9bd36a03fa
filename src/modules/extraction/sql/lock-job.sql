SELECT id, status, archive_table FROM extraction_jobs WHERE id = $1 FOR UPDATE
