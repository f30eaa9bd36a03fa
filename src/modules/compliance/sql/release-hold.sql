UPDATE legal_holds SET released_at = now(), released_by = $2 WHERE id = $1 AND released_at IS NULL RETURNING id
