-- Records a chunk in the transaction that loaded its rows, only while this attempt holds the
-- lease; the row lock taken here also orders the commit against a takeover.
WITH lease AS (
  UPDATE jivs_meta.migrations SET leased_at = now()
   WHERE migration_id = $1 AND lease_id = $2
  RETURNING migration_id
)
INSERT INTO jivs_meta.migration_ledger (migration_id, chunk_no, resume, counts, fingerprint)
SELECT migration_id, $3, $4, $5, $6 FROM lease
RETURNING chunk_no
