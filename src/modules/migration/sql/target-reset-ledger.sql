DELETE FROM jivs_meta.migration_ledger WHERE migration_id = $1
