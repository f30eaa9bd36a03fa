-- The scores of each dataset's most recent completed check (the quality_score gauge).
SELECT DISTINCT ON (dataset_id) dataset_id, scores
  FROM quality_checks
 WHERE status = 'completed' AND scores IS NOT NULL
 ORDER BY dataset_id, finished_at DESC
