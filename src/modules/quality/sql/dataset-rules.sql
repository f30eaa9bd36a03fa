-- The rule set a check measures, snapshotted into the check when it is queued.
SELECT id, name, dimension, definition FROM quality_rules WHERE dataset_id = $1 ORDER BY created_at, id
