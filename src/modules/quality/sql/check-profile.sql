SELECT status, profile_requested, profile FROM quality_checks WHERE id = $1
