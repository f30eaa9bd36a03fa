SELECT id, status, phases FROM migrations WHERE id = $1 FOR UPDATE
