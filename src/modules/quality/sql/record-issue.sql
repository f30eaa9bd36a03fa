INSERT INTO quality_issues (check_id, rule_id, dimension, failing_rows, samples, detail)
VALUES ($1, $2, $3, $4, $5, $6)
