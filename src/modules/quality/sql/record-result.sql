INSERT INTO quality_rule_results (check_id, rule_id, dimension, evaluated_rows, failing_rows, score, passed, observed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
