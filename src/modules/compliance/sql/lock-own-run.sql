-- The run's policy and its cut-off, as text so the microseconds survive the round trip.
SELECT p.date_column, p.keep_for_days, p.action, (now() - make_interval(days => p.keep_for_days))::text AS cutoff
  FROM retention_runs r JOIN retention_policies p ON p.id = r.policy_id
 WHERE r.id = $1 AND r.lease_id = $2 AND r.status = 'running'
   FOR UPDATE OF r
