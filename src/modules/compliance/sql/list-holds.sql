SELECT h.id, h.dataset_id, d.table_name, h.reason, h.placed_by, h.placed_at, h.released_by, h.released_at
  FROM legal_holds h JOIN archive_datasets d ON d.id = h.dataset_id
 WHERE ($1::uuid IS NULL OR h.id = $1)
   AND ($2::uuid IS NULL OR h.dataset_id = $2)
   AND (NOT $3 OR h.released_at IS NULL)
 ORDER BY h.placed_at DESC, h.id
 LIMIT $4 OFFSET $5
