SELECT content, sha256 FROM compliance_exports WHERE request_id = $1 AND format = $2 AND part = $3
