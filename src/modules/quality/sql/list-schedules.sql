SELECT dataset_id, cron, updated_at FROM quality_schedules ORDER BY updated_at DESC, dataset_id LIMIT $1 OFFSET $2
