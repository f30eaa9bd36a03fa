-- Extraction figures of the Business Metrics dashboard over the last $1 days.
SELECT count(*)::int AS created,
       count(*) FILTER (WHERE status = 'completed')::int AS completed,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS active,
       coalesce(sum(records_extracted) FILTER (WHERE status = 'completed'), 0)::text AS records,
       avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE status = 'completed') AS avg_seconds
  FROM extraction_jobs
 WHERE created_at >= now() - make_interval(days => $1)
