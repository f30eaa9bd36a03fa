-- Takes a run for a new attempt under a fresh lease. A scheduled run has no row until its job's
-- first attempt creates it here; a policy deleted meanwhile yields no row (nothing to run).
INSERT INTO retention_runs AS r (id, policy_id, dataset_id, trigger, status, lease_id, attempts, started_at)
SELECT $1, p.id, p.dataset_id, 'schedule', 'running', $3, 1, now() FROM retention_policies p WHERE p.id = $2
ON CONFLICT (id) DO UPDATE
   SET status = 'running', lease_id = excluded.lease_id, attempts = r.attempts + 1,
       started_at = coalesce(r.started_at, now())
 WHERE r.status IN ('queued', 'running')
RETURNING r.id, r.policy_id, r.dataset_id, r.trigger, r.requested_by
