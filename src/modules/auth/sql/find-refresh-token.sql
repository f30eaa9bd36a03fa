SELECT
  rt.id,
  rt.revoked_at IS NOT NULL AS revoked,
  rt.replaced_at IS NOT NULL AS replaced,
  rt.expires_at <= clock_timestamp() AS expired,
  rt.created_at < u.tokens_valid_after AS superseded,
  rt.family_id
FROM refresh_tokens rt
JOIN users u ON u.id = rt.user_id
WHERE rt.token_hash = $1
