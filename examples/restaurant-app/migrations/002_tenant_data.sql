-- Tenant data. Every table carries restaurant_id; keys and foreign keys
-- include it, so the same Poster id can exist in two restaurants and no row
-- can point at another restaurant's row. Row level security is applied by
-- the app after migrations with @rc/tenant-db's applyTenantRls (idempotent).

CREATE TABLE storages (
  restaurant_id text NOT NULL,
  poster_id integer NOT NULL,
  name text NOT NULL,
  address text,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, poster_id)
);

CREATE TABLE suppliers (
  restaurant_id text NOT NULL,
  poster_id integer NOT NULL,
  name text NOT NULL,
  phone text,
  address text,
  comment text,
  tin text,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, poster_id)
);

CREATE TABLE categories (
  restaurant_id text NOT NULL,
  poster_id integer NOT NULL,
  name text NOT NULL,
  parent_poster_id integer,
  hidden boolean NOT NULL DEFAULT false,
  sort_order integer NOT NULL DEFAULT 0,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, poster_id)
);

CREATE TABLE ingredients (
  restaurant_id text NOT NULL,
  poster_id integer NOT NULL,
  name text NOT NULL,
  unit text,
  category_poster_id integer,
  limit_value numeric NOT NULL DEFAULT 0,
  left_total numeric NOT NULL DEFAULT 0,
  hidden boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, poster_id)
);

CREATE TABLE products (
  restaurant_id text NOT NULL,
  poster_id integer NOT NULL,
  name text NOT NULL,
  category_poster_id integer,
  type integer,
  unit text,
  cost_kopecks bigint,
  hidden boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, poster_id)
);

-- Stock per storage and ingredient, as Poster reported it at the last sync.
CREATE TABLE stock_levels (
  restaurant_id text NOT NULL,
  storage_poster_id integer NOT NULL,
  ingredient_poster_id integer NOT NULL,
  quantity numeric NOT NULL,
  prime_cost numeric, -- per unit, in currency units (not kopecks)
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, storage_poster_id, ingredient_poster_id),
  FOREIGN KEY (restaurant_id, storage_poster_id) REFERENCES storages (restaurant_id, poster_id),
  FOREIGN KEY (restaurant_id, ingredient_poster_id) REFERENCES ingredients (restaurant_id, poster_id)
);
CREATE INDEX stock_levels_ingredient ON stock_levels (restaurant_id, ingredient_poster_id);

-- Checklist sections (kitchen, bar...) and the items a manager counts in each.
CREATE TABLE sections (
  restaurant_id text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (restaurant_id, id),
  UNIQUE (restaurant_id, name)
);

CREATE TABLE checklist_items (
  restaurant_id text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  section_id bigint NOT NULL,
  ingredient_poster_id integer NOT NULL,
  supplier_poster_id integer,
  par_level numeric NOT NULL CHECK (par_level >= 0),
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (restaurant_id, id),
  UNIQUE (restaurant_id, section_id, ingredient_poster_id),
  FOREIGN KEY (restaurant_id, section_id) REFERENCES sections (restaurant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (restaurant_id, ingredient_poster_id) REFERENCES ingredients (restaurant_id, poster_id),
  FOREIGN KEY (restaurant_id, supplier_poster_id) REFERENCES suppliers (restaurant_id, poster_id)
);
CREATE INDEX checklist_items_ingredient ON checklist_items (restaurant_id, ingredient_poster_id);
CREATE INDEX checklist_items_supplier ON checklist_items (restaurant_id, supplier_poster_id);

CREATE TABLE supplier_orders (
  restaurant_id text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  supplier_poster_id integer NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'received', 'cancelled')),
  note text,
  created_by bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, supplier_poster_id) REFERENCES suppliers (restaurant_id, poster_id)
);
CREATE INDEX supplier_orders_status ON supplier_orders (restaurant_id, status, created_at DESC);
CREATE INDEX supplier_orders_supplier ON supplier_orders (restaurant_id, supplier_poster_id);

CREATE TABLE supplier_order_lines (
  restaurant_id text NOT NULL,
  order_id bigint NOT NULL,
  ingredient_poster_id integer NOT NULL,
  quantity numeric NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (restaurant_id, order_id, ingredient_poster_id),
  FOREIGN KEY (restaurant_id, order_id) REFERENCES supplier_orders (restaurant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (restaurant_id, ingredient_poster_id) REFERENCES ingredients (restaurant_id, poster_id)
);
CREATE INDEX supplier_order_lines_ingredient ON supplier_order_lines (restaurant_id, ingredient_poster_id);

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO rc_app;
