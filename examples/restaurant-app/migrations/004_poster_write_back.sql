-- Received orders go to Poster as supplies, exactly once: one outbox row per order. Poster has no
-- idempotency key, so every supply carries `rc-order:<marker>` in its comment, and a POST whose
-- outcome is unknown is followed by a read of that day's supplies for the marker before any retry.
CREATE TABLE poster_supplies (
  restaurant_id text NOT NULL,
  order_id bigint NOT NULL,
  marker uuid NOT NULL,
  -- The body of storage.createSupply, fixed when the order was received: every attempt sends the same.
  payload jsonb NOT NULL,
  -- pending: not sent (or certainly not delivered); sending: a POST is out; unknown: it may have
  -- reached Poster; done: the supply exists; failed: Poster refused it (retry through the API).
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'unknown', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  poster_supply_id integer,
  last_error text,
  -- A worker's claim; past it, another worker may take the row over (after reconciling).
  claimed_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, order_id),
  UNIQUE (restaurant_id, marker),
  FOREIGN KEY (restaurant_id, order_id) REFERENCES supplier_orders (restaurant_id, id) ON DELETE CASCADE
);
CREATE INDEX poster_supplies_due ON poster_supplies (restaurant_id, state);

-- Per-account circuit breaker: consecutive failed syncs (Poster 5xx, timeouts) and, once past the
-- threshold, until when this account's syncs back off.
ALTER TABLE control.restaurants
  ADD COLUMN IF NOT EXISTS poster_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS poster_backoff_until timestamptz,
  -- Poster's time (unix seconds) of the last application install/uninstall webhook applied: an older
  -- one, replayed, is ignored.
  ADD COLUMN IF NOT EXISTS app_event_at bigint;
GRANT UPDATE (poster_failures, poster_backoff_until, app_event_at) ON control.restaurants TO rc_app;
