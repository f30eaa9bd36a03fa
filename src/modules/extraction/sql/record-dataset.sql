INSERT INTO archive_datasets (extraction_id, table_name, columns, row_count, checksum)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (extraction_id) DO UPDATE
  SET table_name = excluded.table_name, columns = excluded.columns,
      row_count = excluded.row_count, checksum = excluded.checksum, created_at = now()
