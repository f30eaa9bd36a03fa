INSERT INTO pii_scans (dataset_id, sampled_rows) VALUES ($1, $2)
ON CONFLICT (dataset_id) DO UPDATE SET sampled_rows = excluded.sampled_rows, scanned_at = now()
