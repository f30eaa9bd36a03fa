-- One page of the chain in order; `at` in the hashed form (UTC, microseconds).
SELECT seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor_user_id, actor_username,
       actor_role, action, target, outcome, source_ip, details, prev_hash, hash
  FROM audit_log
 WHERE seq > $1
 ORDER BY seq
 LIMIT $2
