DELETE FROM data_sources
WHERE id = $1
