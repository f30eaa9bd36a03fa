COPY migration_rejects (migration_id, row_no, chunk_no, phase, rule, reason, source_row) FROM STDIN
