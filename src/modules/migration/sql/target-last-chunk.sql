SELECT chunk_no, resume, counts, fingerprint
  FROM jivs_meta.migration_ledger
 WHERE migration_id = $1
 ORDER BY chunk_no DESC
 LIMIT 1
