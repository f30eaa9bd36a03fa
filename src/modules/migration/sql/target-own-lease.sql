-- The bookkeeping of a migration, locked, if this attempt still holds its lease.
SELECT created_table, keys_table
  FROM jivs_meta.migrations
 WHERE migration_id = $1 AND lease_id = $2
   FOR UPDATE
