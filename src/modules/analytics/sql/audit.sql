-- Audit Log dashboard figures over the last $1 days.
SELECT count(*)::int AS events,
       count(*) FILTER (WHERE action = 'auth.login' AND outcome = 'failure')::int AS failed_sign_ins,
       count(*) FILTER (WHERE outcome = 'denied')::int AS denied,
       count(DISTINCT actor_user_id)::int AS active_users
  FROM audit_log
 WHERE at >= now() - make_interval(days => $1)
