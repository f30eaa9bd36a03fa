UPDATE migrations
   SET status = 'rolling_back', error = NULL,
       rollback = jsonb_build_object('status', 'queued', 'requestedAt', now())
 WHERE id = $1
