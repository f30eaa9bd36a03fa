SELECT dimension, score FROM quality_rule_results WHERE check_id = $1
