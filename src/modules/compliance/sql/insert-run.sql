INSERT INTO retention_runs (id, policy_id, dataset_id, trigger, status, requested_by)
VALUES ($1, $2, $3, 'manual', 'queued', $4)
