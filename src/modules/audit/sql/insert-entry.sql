INSERT INTO audit_log
  (seq, id, at, actor_user_id, actor_username, actor_role, action, target, outcome, source_ip, details, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
