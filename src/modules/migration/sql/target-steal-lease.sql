-- Rollback takes the lease of whatever attempt held the migration, after its open chunk ends.
UPDATE jivs_meta.migrations SET lease_id = $2, leased_at = now()
 WHERE migration_id = $1
RETURNING created_table, keys_table
