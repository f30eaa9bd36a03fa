-- Removes a migration's bookkeeping (its ledger rows go with it).
DELETE FROM jivs_meta.migrations WHERE migration_id = $1
