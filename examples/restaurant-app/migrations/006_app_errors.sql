-- The last errors of each restaurant (requests answered 5xx, failed job attempts), for the admin page:
-- shared by every instance, so an error on one shows on all. Bounded: the app keeps the newest 20 per
-- restaurant (and 20 not tied to one) and nothing older than 30 days, trimming as it inserts.
-- The message is scrubbed like what goes to Sentry; trace_id ties it to Sentry and to traces.
CREATE TABLE control.app_errors (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  restaurant_id text REFERENCES control.restaurants (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('request', 'job')),
  location text NOT NULL,
  message text NOT NULL,
  trace_id text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  sentry_event_id text,
  user_id bigint,
  job_id text
);
CREATE INDEX app_errors_recent ON control.app_errors (restaurant_id, id DESC);

GRANT SELECT, INSERT, DELETE ON control.app_errors TO rc_app;
GRANT USAGE ON SEQUENCE control.app_errors_id_seq TO rc_app;
