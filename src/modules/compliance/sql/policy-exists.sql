SELECT 1 FROM retention_policies WHERE id = $1
