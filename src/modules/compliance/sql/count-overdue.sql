SELECT count(*)::int AS n FROM compliance_requests
 WHERE status IN ('received', 'in_progress', 'failed') AND due_at < now()
