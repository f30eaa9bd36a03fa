SELECT r.id, r.type, r.regulation, r.erasure_mode, r.subject, r.rectification, r.status, r.received_at, r.due_at,
       r.started_at, r.completed_at, r.attempts, r.reason, r.result, r.receipt_sha256, r.created_by, o.overdue
  FROM compliance_requests r
 CROSS JOIN LATERAL (SELECT r.status IN ('received', 'in_progress', 'failed') AND r.due_at < now() AS overdue) AS o
 WHERE ($1::uuid IS NULL OR r.id = $1)
   AND ($2::text IS NULL OR r.status = $2)
   AND ($3::text IS NULL OR r.type = $3)
   AND ($4::boolean IS NULL OR o.overdue = $4)
 ORDER BY r.received_at DESC, r.id
 LIMIT $5 OFFSET $6
