SELECT ((SELECT count(*) FROM compliance_requests WHERE status IN ('received', 'in_progress'))
      + (SELECT count(*) FROM retention_runs WHERE status IN ('queued', 'running')))::int AS n
