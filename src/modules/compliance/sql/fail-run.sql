-- Records an attempt's error; the last attempt ($4) ends the run as failed.
UPDATE retention_runs
   SET error = $3,
       status = CASE WHEN $4 THEN 'failed' ELSE status END,
       finished_at = CASE WHEN $4 THEN now() END
 WHERE id = $1 AND lease_id = $2
