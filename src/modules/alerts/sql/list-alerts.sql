-- Newest first, keyset-paged by id ($4: alerts before this id). A NULL filter matches everything.
SELECT id, receiver, status, fingerprint, alertname, labels, annotations,
       to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "startsAt",
       to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endsAt",
       generator_url AS "generatorUrl", group_key AS "groupKey",
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "receivedAt"
  FROM alerts_received
 WHERE ($1::text IS NULL OR receiver = $1)
   AND ($2::text IS NULL OR status = $2)
   AND ($3::text IS NULL OR alertname = $3)
   AND ($4::bigint IS NULL OR id < $4)
 ORDER BY id DESC
 LIMIT $5
