SELECT NOT EXISTS (SELECT 1 FROM jivs_meta.migrations) AS unused
