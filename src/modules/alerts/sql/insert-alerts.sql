-- The alerts of one notification ($3: its `alerts` array, as validated), one row each. A repeat
-- of an alert already stored with the same receiver, status and start (a retry, a repeat_interval
-- reminder, the other Alertmanager's copy) is skipped; RETURNING lists only the rows it added.
INSERT INTO alerts_received (receiver, status, fingerprint, alertname, labels, annotations, starts_at, ends_at, generator_url, group_key)
SELECT $1, a.status, a.fingerprint, a.labels ->> 'alertname', a.labels, a.annotations, a."startsAt", a."endsAt",
       NULLIF(a."generatorURL", ''), $2
  FROM jsonb_to_recordset($3::jsonb) AS a(status text, fingerprint text, labels jsonb, annotations jsonb,
                                          "startsAt" timestamptz, "endsAt" timestamptz, "generatorURL" text)
    ON CONFLICT (receiver, fingerprint, status, starts_at) DO NOTHING
RETURNING id
