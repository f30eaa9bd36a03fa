-- Takes the rollback for a new attempt: a fresh lease fences off any earlier attempt still alive.
UPDATE migrations
   SET lease_id = $2, attempts = attempts + 1, rollback = rollback || '{"status": "running"}'
 WHERE id = $1 AND status = 'rolling_back'
RETURNING id, definition, phases
