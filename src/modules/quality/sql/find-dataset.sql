SELECT id, table_name, columns FROM archive_datasets WHERE id = $1
