-- Queues a run. A failed run resumes from the target's ledger; any other starts afresh.
UPDATE migrations
   SET status = 'queued', queued_at = now(), error = NULL, finished_at = NULL, phases = $2,
       started_at = CASE WHEN status = 'failed' THEN started_at END,
       verification = NULL
 WHERE id = $1
