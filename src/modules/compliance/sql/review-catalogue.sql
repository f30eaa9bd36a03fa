UPDATE pii_catalogue SET status = $2, reviewed_by = $3, reviewed_at = now(), updated_at = now()
 WHERE id = $1
RETURNING id, dataset_id, column_name, json_path, category
