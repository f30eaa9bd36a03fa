UPDATE compliance_requests
   SET status = $3, result = $4, receipt = $5, receipt_sha256 = $6, subject = coalesce($7, subject),
       completed_at = $8, reason = NULL
 WHERE id = $1 AND lease_id = $2
