SELECT count(*)::int AS n FROM refresh_tokens
WHERE revoked_at IS NULL AND replaced_at IS NULL AND expires_at > now()
