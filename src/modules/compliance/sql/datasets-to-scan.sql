-- All datasets ($1 true), or those never sampled or re-extracted since their last sample.
SELECT d.id, d.table_name, d.columns, d.row_count
  FROM archive_datasets d
  LEFT JOIN pii_scans s ON s.dataset_id = d.id
 WHERE ($1 OR s.dataset_id IS NULL OR s.scanned_at < d.created_at)
   AND to_regclass(format('archive.%I', d.table_name)) IS NOT NULL
 ORDER BY d.created_at, d.id
