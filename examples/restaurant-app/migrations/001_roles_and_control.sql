-- The application role: not the owner of any table, no superuser, no BYPASSRLS,
-- so every tenant policy applies to it. Roles are cluster-wide: another
-- database on the same server may have created it already.
DO $$
BEGIN
  CREATE ROLE rc_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- The control plane: who the users are, which restaurants exist and who may
-- see which. These rows span tenants by nature (a user belongs to several
-- restaurants, the admin page lists them all), so they live in their own
-- schema, outside the tenant audit, and the app role may only read them
-- and touch the few columns it owns.
CREATE SCHEMA IF NOT EXISTS control;

CREATE TABLE control.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  name text NOT NULL,
  password_hash text NOT NULL,
  platform_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE control.restaurants (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text NOT NULL,
  poster_account text NOT NULL UNIQUE,
  poster_base_url text,
  token_ciphertext text NOT NULL,
  token_issued_at timestamptz NOT NULL DEFAULT now(),
  tier text NOT NULL DEFAULT 'free',
  active boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'ok', 'syncing', 'error', 'needs_reauth', 'token_expiring', 'inactive')),
  last_sync_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE control.memberships (
  user_id bigint NOT NULL REFERENCES control.users (id) ON DELETE CASCADE,
  restaurant_id text NOT NULL REFERENCES control.restaurants (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
  PRIMARY KEY (user_id, restaurant_id)
);
CREATE INDEX memberships_restaurant ON control.memberships (restaurant_id);

-- What happened to each restaurant's syncs, for the admin page (errors in the last 24 h).
CREATE TABLE control.sync_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  restaurant_id text NOT NULL REFERENCES control.restaurants (id) ON DELETE CASCADE,
  job_id text,
  kind text NOT NULL CHECK (kind IN ('started', 'done', 'failed', 'retrying', 'token')),
  message text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_events_recent ON control.sync_events (restaurant_id, at DESC);

GRANT USAGE ON SCHEMA control TO rc_app;
GRANT SELECT ON control.users, control.restaurants, control.memberships, control.sync_events TO rc_app;
GRANT UPDATE (name, password_hash) ON control.users TO rc_app;
GRANT UPDATE (tier, active, status, last_sync_at, last_error, token_ciphertext, token_issued_at, name)
  ON control.restaurants TO rc_app;
GRANT INSERT, DELETE ON control.sync_events TO rc_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA control TO rc_app;
