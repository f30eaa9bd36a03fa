DELETE FROM retention_policies WHERE id = $1 RETURNING dataset_id, cron
