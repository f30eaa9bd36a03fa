-- Ends an attempt of a run: completed, failed, or back to queued for a retry.
UPDATE migrations
   SET status = $3, error = $4, phases = $5, verification = coalesce($6, verification),
       records_read = $7, records_migrated = $8, records_rejected = $9,
       finished_at = CASE WHEN $3 IN ('completed', 'failed') THEN now() END
 WHERE id = $1 AND lease_id = $2
RETURNING id
