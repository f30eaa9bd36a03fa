SELECT count(*)::int AS n FROM quality_checks WHERE status IN ('queued', 'running')
