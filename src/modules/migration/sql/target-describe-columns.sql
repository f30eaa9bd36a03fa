-- Columns of a target table ($1: the quoted name) in order, with what decides what may be written.
SELECT a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       a.atthasdef AS has_default,
       (a.attgenerated <> '' OR a.attidentity = 'a') AS read_only
  FROM pg_attribute a
 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum
