INSERT INTO retention_policies (dataset_id, date_column, keep_for_days, action, cron, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id
