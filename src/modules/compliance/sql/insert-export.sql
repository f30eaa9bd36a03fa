INSERT INTO compliance_exports (request_id, format, part, content, sha256) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (request_id, format, part) DO UPDATE SET content = excluded.content, sha256 = excluded.sha256
