-- Holds off a takeover while this attempt writes rejects; no row: the attempt lost its lease.
SELECT id FROM migrations WHERE id = $1 AND lease_id = $2 AND status = 'running' FOR SHARE
