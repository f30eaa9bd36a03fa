-- Held until the transaction ends, so instances starting together create the first admin once.
SELECT pg_advisory_xact_lock($1)
