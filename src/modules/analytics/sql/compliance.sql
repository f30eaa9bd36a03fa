-- Data-subject requests received in the last $1 days, by type and regulation.
SELECT type, regulation,
       count(*)::int AS received,
       count(*) FILTER (WHERE status IN ('completed', 'completed_with_exceptions'))::int AS completed,
       count(*) FILTER (WHERE status IN ('completed', 'completed_with_exceptions') AND completed_at <= due_at)::int AS on_time,
       count(*) FILTER (WHERE status IN ('received', 'in_progress', 'failed') AND due_at < now())::int AS overdue
  FROM compliance_requests
 WHERE received_at >= now() - make_interval(days => $1)
 GROUP BY type, regulation
 ORDER BY type, regulation
