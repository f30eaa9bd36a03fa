UPDATE archive_datasets SET row_count = greatest(0, row_count - $2) WHERE id = $1
