INSERT INTO quality_checks (id, dataset_id, status, trigger, rules, profile_requested, created_by)
VALUES ($1, $2, 'queued', $3, $4, $5, $6)
