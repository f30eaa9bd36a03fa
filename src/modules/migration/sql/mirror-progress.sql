-- Mirrors the target's ledger for the API; fenced by the attempt's lease.
UPDATE migrations
   SET records_read = $3, records_migrated = $4, records_rejected = $5, chunks = $6, phases = $7,
       progress_at = now()
 WHERE id = $1 AND lease_id = $2 AND status = 'running'
RETURNING id
