SELECT count(*)::int AS n FROM migrations WHERE status IN ('queued', 'running', 'rolling_back')
