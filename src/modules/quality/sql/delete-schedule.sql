DELETE FROM quality_schedules WHERE dataset_id = $1 RETURNING dataset_id
