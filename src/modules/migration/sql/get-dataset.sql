SELECT id, table_name FROM archive_datasets WHERE id = $1
