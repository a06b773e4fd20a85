/** A parent and a child table whose foreign key pairs the tenant column: what the kit must handle. */
export const ORDERS_SQL = `
  CREATE TABLE orders (
    restaurant_id bigint NOT NULL,
    id serial,
    status text NOT NULL DEFAULT 'open',
    note varchar(20),
    PRIMARY KEY (restaurant_id, id)
  );
  CREATE TABLE order_lines (
    restaurant_id bigint NOT NULL,
    order_id int NOT NULL,
    line int NOT NULL,
    qty numeric NOT NULL,
    PRIMARY KEY (restaurant_id, order_id, line),
    FOREIGN KEY (restaurant_id, order_id) REFERENCES orders (restaurant_id, id)
  );`
