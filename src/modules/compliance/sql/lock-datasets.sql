-- Serialises erasure, rectification, retention and legal-hold changes per dataset. Locks are
-- taken in id order (OFFSET 0 keeps the ordered subquery from being flattened), so two
-- transactions locking overlapping sets cannot deadlock.
SELECT count(pg_advisory_xact_lock(hashtextextended('jivs:archive-dataset:' || s.id::text, 0)))
  FROM (SELECT id FROM unnest($1::uuid[]) AS id ORDER BY id OFFSET 0) AS s
