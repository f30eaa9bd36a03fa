SELECT id FROM compliance_requests WHERE id = $1 AND lease_id = $2 AND status = 'in_progress' FOR UPDATE
