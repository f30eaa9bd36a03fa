-- Proposals the latest scan of a dataset no longer makes; a person's decisions stay.
DELETE FROM pii_catalogue WHERE dataset_id = $1 AND status = 'proposed' AND NOT (id = ANY ($2::uuid[]))
