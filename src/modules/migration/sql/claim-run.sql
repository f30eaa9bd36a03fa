-- Takes the migration for a new attempt: a fresh lease fences off any earlier attempt still alive.
UPDATE migrations
   SET status = 'running', lease_id = $2, attempts = attempts + 1,
       started_at = coalesce(started_at, now()), error = NULL
 WHERE id = $1 AND status IN ('queued', 'running')
RETURNING id, definition
