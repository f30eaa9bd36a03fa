-- Newest first, keyset-paged by seq ($7: entries before this seq). A NULL filter matches everything.
SELECT seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor_user_id, actor_username,
       actor_role, action, target, outcome, source_ip, details, prev_hash, hash
  FROM audit_log
 WHERE ($1::text IS NULL OR lower(actor_username) = lower($1))
   AND ($2::text IS NULL OR action LIKE $2)
   AND ($3::text IS NULL OR outcome = $3)
   AND ($4::timestamptz IS NULL OR at >= $4)
   AND ($5::timestamptz IS NULL OR at < $5)
   AND ($6::text IS NULL OR target = $6)
   AND ($7::bigint IS NULL OR seq < $7)
 ORDER BY seq DESC
 LIMIT $8
