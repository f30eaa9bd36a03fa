SELECT count(*)::int AS n FROM extraction_jobs WHERE status IN ('queued', 'running')
