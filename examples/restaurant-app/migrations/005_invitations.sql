-- Invitations to join a restaurant, made by its admins: a link with a random token, shown once. Only the
-- token's SHA-256 is kept, as for sessions. An invitation is used once, and lapses at expires_at.
CREATE TABLE control.invitations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  restaurant_id text NOT NULL REFERENCES control.restaurants (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
  token_hash text NOT NULL UNIQUE,
  created_by bigint REFERENCES control.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_by bigint REFERENCES control.users (id) ON DELETE SET NULL,
  accepted_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX invitations_restaurant ON control.invitations (restaurant_id, created_at DESC);

-- Read by the app role; written only as the tables' owner (src/members), like memberships.
GRANT SELECT ON control.invitations TO rc_app;
