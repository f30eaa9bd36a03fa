-- Serialises creating and dropping the bookkeeping schema on a target (CREATE ... IF NOT EXISTS races otherwise).
SELECT pg_advisory_xact_lock(hashtext('jivs_meta'))
