UPDATE compliance_requests SET reason = $3 WHERE id = $1 AND lease_id = $2
