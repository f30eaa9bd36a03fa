-- The primary's current WAL position as a byte offset (numeric text; pg_lsn has no JS type).
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn
