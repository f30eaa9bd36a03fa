INSERT INTO quality_schedules (dataset_id, cron, created_by) VALUES ($1, $2, $3)
ON CONFLICT (dataset_id) DO UPDATE SET cron = excluded.cron, created_by = excluded.created_by, updated_at = now()
RETURNING dataset_id, cron, updated_at
