-- Every archived dataset whose table exists, with its catalogue entries that are not rejected.
SELECT d.id, d.table_name, d.columns, d.row_count, d.created_at,
       coalesce(
         jsonb_agg(
           jsonb_build_object('id', c.id, 'column', c.column_name, 'jsonPath', c.json_path,
                              'category', c.category, 'status', c.status)
           ORDER BY c.column_name, c.json_path, c.category
         ) FILTER (WHERE c.id IS NOT NULL),
         '[]'
       ) AS pii
  FROM archive_datasets d
  LEFT JOIN pii_catalogue c ON c.dataset_id = d.id AND c.status <> 'rejected'
 WHERE to_regclass(format('archive.%I', d.table_name)) IS NOT NULL
 GROUP BY d.id
 ORDER BY d.id
