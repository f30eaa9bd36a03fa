-- Ends an attempt: completed, failed, cancelled, or back to queued for a retry.
UPDATE extraction_jobs
   SET status = $3, error = $4, verification = coalesce($5, verification),
       finished_at = CASE WHEN $3 IN ('completed', 'failed', 'cancelled') THEN now() END
 WHERE id = $1 AND lease_id = $2
RETURNING id
