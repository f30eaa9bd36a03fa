-- Records progress in the transaction that archived the rows; fenced by the attempt's lease.
UPDATE extraction_jobs
   SET records_extracted = $3, bytes_extracted = $4, checkpoint = $5, progress_at = now()
 WHERE id = $1 AND lease_id = $2 AND status = 'running'
RETURNING cancel_requested
