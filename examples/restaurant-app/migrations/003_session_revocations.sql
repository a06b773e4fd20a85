-- Logouts that must hold while Redis (where sessions live) is unreachable: recorded here, honoured by
-- every instance, applied to Redis once it answers, and dropped a few minutes after that. Keyed by the
-- SHA-256 of the token, as in Redis: no usable token is ever stored.
CREATE TABLE control.session_revocations (
  token_hash text PRIMARY KEY,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  applied boolean NOT NULL DEFAULT false
);

GRANT SELECT, INSERT, UPDATE, DELETE ON control.session_revocations TO rc_app;
