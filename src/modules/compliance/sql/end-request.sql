-- Ends an attempt that cannot succeed: rejected (the request's own values are wrong) or failed.
UPDATE compliance_requests
   SET status = $3::text, reason = $4, completed_at = CASE WHEN $3::text = 'rejected' THEN now() END
 WHERE id = $1 AND lease_id = $2 AND status = 'in_progress'
RETURNING id
