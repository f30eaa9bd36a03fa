-- Takes the check for a new attempt: a fresh lease fences off any earlier attempt still alive.
UPDATE quality_checks
   SET status = 'running', lease_id = $2, attempts = attempts + 1, started_at = coalesce(started_at, now()), error = NULL
 WHERE id = $1 AND status IN ('queued', 'running')
RETURNING id, dataset_id, rules, profile_requested, profile IS NOT NULL AS has_profile,
          (SELECT coalesce(array_agg(rule_id), '{}') FROM quality_rule_results WHERE check_id = $1) AS done
