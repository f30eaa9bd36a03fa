-- Ends an attempt: completed or failed, or back to queued for a retry. Fenced by the lease.
UPDATE quality_checks
   SET status = $3, error = $4, total_rows = coalesce($5, total_rows), scores = coalesce($6, scores),
       finished_at = CASE WHEN $3 IN ('completed', 'failed') THEN now() END
 WHERE id = $1 AND lease_id = $2
