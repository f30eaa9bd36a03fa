-- Ends a rollback: rolled_back with what it removed, failed, or still rolling back (a retry).
UPDATE migrations
   SET status = $3, error = $4, rollback = rollback || $5, phases = coalesce($6, phases),
       records_migrated = CASE WHEN $3 = 'rolled_back' THEN 0 ELSE records_migrated END,
       finished_at = CASE WHEN $3 IN ('rolled_back', 'failed') THEN now() ELSE finished_at END
 WHERE id = $1 AND lease_id = $2
RETURNING id
