SELECT part FROM compliance_exports WHERE request_id = $1 AND format = 'csv' ORDER BY part
