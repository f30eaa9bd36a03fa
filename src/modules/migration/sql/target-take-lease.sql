-- A new attempt takes the migration on the target: it waits for a stale attempt's open chunk to
-- end, and from then on that attempt's chunks cannot commit (their lease no longer matches).
-- Whether the table held rows is decided once, before anything was loaded.
INSERT INTO jivs_meta.migrations (migration_id, lease_id, target_table, keys_table, created_table, target_had_rows)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (migration_id) DO UPDATE
  SET lease_id = excluded.lease_id, leased_at = now(),
      created_table = jivs_meta.migrations.created_table OR excluded.created_table
RETURNING created_table, target_had_rows
