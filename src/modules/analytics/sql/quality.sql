-- Quality figures over the last $1 days; the score is the mean of each dataset's latest overall score.
WITH recent AS (
  SELECT * FROM quality_checks WHERE created_at >= now() - make_interval(days => $1)
), latest AS (
  SELECT DISTINCT ON (dataset_id) (scores ->> 'overall')::float8 AS overall
    FROM quality_checks
   WHERE status = 'completed' AND scores ? 'overall'
   ORDER BY dataset_id, finished_at DESC
)
SELECT (SELECT count(*) FROM recent WHERE status = 'completed')::int AS checks,
       (SELECT count(*) FROM quality_rule_results r JOIN recent c ON c.id = r.check_id)::int AS rules_executed,
       (SELECT count(*) FROM quality_issues i JOIN recent c ON c.id = i.check_id)::int AS issues_detected,
       (SELECT avg(overall) FROM latest) AS overall_score,
       (SELECT count(*) FROM latest)::int AS datasets_scored
