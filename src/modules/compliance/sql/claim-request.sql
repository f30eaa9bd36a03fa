-- Takes the request for a new attempt: a fresh lease fences off any earlier attempt still alive.
UPDATE compliance_requests
   SET status = 'in_progress', lease_id = $2, attempts = attempts + 1, started_at = coalesce(started_at, now())
 WHERE id = $1 AND status IN ('received', 'in_progress')
RETURNING id, type, regulation, erasure_mode, subject, rectification, received_at, due_at, started_at, created_by
