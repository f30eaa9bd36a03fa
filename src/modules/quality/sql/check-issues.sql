SELECT c.rules,
       coalesce((SELECT jsonb_agg(i ORDER BY i.created_at, i.rule_id) FROM quality_issues i WHERE i.check_id = c.id), '[]') AS issues
  FROM quality_checks c
 WHERE c.id = $1
