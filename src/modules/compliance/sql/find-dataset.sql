SELECT id, table_name, columns, row_count, created_at FROM archive_datasets WHERE id = $1
