SELECT c.*, d.table_name FROM pii_catalogue c JOIN archive_datasets d ON d.id = c.dataset_id WHERE c.id = $1
