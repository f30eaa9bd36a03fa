SELECT cancel_requested FROM extraction_jobs WHERE id = $1 AND lease_id = $2 AND status = 'running' FOR UPDATE
