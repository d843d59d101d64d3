/*
 * shop_access.sql: which shops a role sees, for a shop group whose shops'
 * people must not see each other's orders.  Binding a role to a shop in
 * ordertrack.shop_roles turns it on: from then on a role sees (and
 * writes) only the orders, lines, flags, events, history, scans and report
 * rows of the shops its roles are bound to; superusers, the tables' owner
 * and members of ordertrack_admin see every shop.  While the table is
 * empty, every role sees every shop that its duty lets it read.  The
 * row-level policies are in duties.sql; the order functions, which run as
 * the owner, ask shop_visible themselves.
 */
CREATE TABLE ordertrack.shop_roles (
	role regrole NOT NULL,
	shop text NOT NULL CHECK (shop OPERATOR(pg_catalog.<>) ''),
	PRIMARY KEY (role, shop)
);
COMMENT ON TABLE ordertrack.shop_roles IS
	'Per-shop access: a role bound to shops sees only their orders; empty, every role sees every shop (its duty permitting)';
COMMENT ON COLUMN ordertrack.shop_roles.role IS 'A role (and its members) bound to the shop';
COMMENT ON COLUMN ordertrack.shop_roles.shop IS 'The shop it sees';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.shop_roles', '');
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.shop_roles
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();

CREATE FUNCTION ordertrack.shop_visible(shop text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'shop_visible' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.shop_visible(text) IS
	'Whether the role the session acts as (as SET ROLE left it) sees the shop''s orders: always while ordertrack.shop_roles is empty, else when it is a superuser, the owner, a member of ordertrack_admin or bound to the shop';
