-- Whether this node is a replica, its name (the cluster sets jivs.node_name per node) and the
-- WAL position it has replayed, as a byte offset.
SELECT pg_is_in_recovery() AS replica,
       current_setting('jivs.node_name', true) AS node,
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text AS lsn
