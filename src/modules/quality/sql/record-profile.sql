UPDATE quality_checks SET profile = $3 WHERE id = $1 AND lease_id = $2
