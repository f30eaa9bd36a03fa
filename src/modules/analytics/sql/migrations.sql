-- Migration figures over the last $1 days.
SELECT count(*)::int AS created,
       count(*) FILTER (WHERE status = 'completed')::int AS completed,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status IN ('queued', 'running', 'rolling_back'))::int AS active,
       count(*) FILTER (WHERE status = 'rolled_back')::int AS rolled_back,
       coalesce(sum(records_migrated), 0)::text AS records_migrated,
       coalesce(sum(records_rejected), 0)::text AS records_rejected,
       avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE status = 'completed') AS avg_seconds
  FROM migrations
 WHERE created_at >= now() - make_interval(days => $1)
