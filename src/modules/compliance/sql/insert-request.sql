-- due_at is set by the trigger compliance_request_due_at.
INSERT INTO compliance_requests (id, type, regulation, erasure_mode, subject, rectification, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
