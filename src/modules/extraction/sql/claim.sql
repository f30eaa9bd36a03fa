-- Takes the job for a new attempt: a fresh lease fences off any earlier attempt still alive.
UPDATE extraction_jobs
   SET status = 'running', lease_id = $2, attempts = attempts + 1,
       started_at = coalesce(started_at, now()), error = NULL
 WHERE id = $1 AND status IN ('queued', 'running')
RETURNING id, name, source_id, spec, archive_table, records_extracted, bytes_extracted, checkpoint, cancel_requested
