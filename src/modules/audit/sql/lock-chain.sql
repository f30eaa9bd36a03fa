-- Serialises appends across every instance until the transaction ends, so the chain never forks.
SELECT pg_advisory_xact_lock(hashtext('jivs:audit-chain'))
