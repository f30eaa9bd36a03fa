SELECT receipt, receipt_sha256 FROM compliance_requests WHERE id = $1
