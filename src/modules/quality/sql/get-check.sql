SELECT c.id, c.dataset_id, c.status, c.trigger, c.attempts, c.total_rows, c.scores, c.error,
       c.created_at, c.started_at, c.finished_at, c.rules, c.profile_requested,
       coalesce((SELECT jsonb_agg(r) FROM quality_rule_results r WHERE r.check_id = c.id), '[]') AS results
  FROM quality_checks c
 WHERE c.id = $1
