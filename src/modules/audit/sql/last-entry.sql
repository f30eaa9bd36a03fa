-- Read after lock-chain, in a statement of its own: its snapshot must include the previous append.
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1
