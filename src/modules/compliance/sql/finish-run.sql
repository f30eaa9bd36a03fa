UPDATE retention_runs
   SET status = $3, cutoff = $4, rows_affected = $5, skip_reason = $6, legal_holds = $7, error = NULL, finished_at = now()
 WHERE id = $1 AND lease_id = $2
