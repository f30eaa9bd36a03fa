SELECT count(*)::bigint AS n FROM migration_rejects WHERE migration_id = $1 AND ($2::text IS NULL OR rule = $2)
