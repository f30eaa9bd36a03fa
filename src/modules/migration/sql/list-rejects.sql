SELECT row_no, phase, rule, reason, source_row
  FROM migration_rejects
 WHERE migration_id = $1 AND ($2::text IS NULL OR rule = $2)
 ORDER BY row_no
 LIMIT $3 OFFSET $4
