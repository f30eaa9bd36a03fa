SELECT id FROM quality_checks WHERE id = $1 AND lease_id = $2 AND status = 'running' FOR UPDATE
