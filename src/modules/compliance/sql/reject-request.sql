-- A running attempt sees the change at its fenced final step and rolls back.
UPDATE compliance_requests SET status = 'rejected', reason = $2, completed_at = now()
 WHERE id = $1 AND status IN ('received', 'in_progress')
RETURNING type, regulation
