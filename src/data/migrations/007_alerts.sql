-- The alert inbox: every alert Alertmanager's webhook receivers delivered, one row per alert and
-- status. Alertmanager repeats a notification (repeat_interval, retries after a failed delivery,
-- each of the two clustered Alertmanagers when their gossip is late): the unique key makes a
-- repeat a no-op, so an alert is listed once firing and once resolved.
CREATE TABLE alerts_received (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  receiver text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  -- Alertmanager's hash of the alert's labels.
  fingerprint text NOT NULL,
  -- labels->>'alertname', kept in a column for the list's filter.
  alertname text,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  starts_at timestamptz NOT NULL,
  -- NULL while firing (Alertmanager sends its zero time, year 1).
  ends_at timestamptz,
  generator_url text,
  group_key text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (receiver, fingerprint, status, starts_at)
);
CREATE INDEX alerts_received_alertname ON alerts_received (alertname, id);
