/* ordertrack--0.6--0.7.sql: ALTER EXTENSION ordertrack UPDATE TO '0.7' */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.7'" to load this file. \quit

-- order_id comes from the identity alone: an INSERT that gives one fails
-- (pg_dump's COPY keeps the dumped ones), so that the functions that take
-- an order_id alone find one order.
ALTER TABLE ordertrack.orders ALTER COLUMN order_id SET GENERATED ALWAYS;
COMMENT ON COLUMN ordertrack.orders.order_id IS
	'ordertrack''s id of the order, unique across shops: always from its identity (an INSERT cannot give one)';

-- Orders that share an order_id already (an ERP gave them): the functions
-- that take an order_id alone now refuse them instead of picking one.
DO $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM (SELECT order_id FROM ordertrack.orders GROUP BY order_id HAVING count(*) > 1) d;
	IF n > 0 THEN
		RAISE WARNING '% order_id values are shared by orders of several shops', n
			USING HINT = 'advance(), confirm() and the other functions that take an order_id alone refuse them (SQLSTATE 21000): give all but one of each a new order_id.';
	END IF;
END
$$;

-- The normalised phone and the region follow a corrected phone or address.
-- AFTER with a WHEN, not BEFORE: a BEFORE UPDATE row trigger would make
-- every UPDATE of orders lock its row first.
CREATE FUNCTION ordertrack.order_intake_rederive() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_intake_rederive' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_intake_rederive() IS
	'Trigger AFTER UPDATE on orders, when the phone or the address changed: recomputes phone_normalized, province, city, district, region_code and remote';
CREATE TRIGGER order_intake_rederive AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.address IS DISTINCT FROM NEW.address)
	EXECUTE FUNCTION ordertrack.order_intake_rederive();
COMMENT ON TRIGGER order_intake_rederive ON ordertrack.orders IS
	'A corrected phone or address brings a new normalised phone and region';

-- Intake reads the blacklist through its index for each order: no session
-- caches it, and a change to it need not reach every session.
DROP TRIGGER catalogue_changed ON ordertrack.blacklist;

-- The shop of the order with this order_id; an error when there is none,
-- and when orders of several shops have it (rows inserted with OVERRIDING
-- SYSTEM VALUE, or before 0.7): a function never picks one of them.
CREATE FUNCTION ordertrack.order_shop(order_id bigint) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	shops text[];
BEGIN
	SELECT array_agg(x.shop ORDER BY x.shop) INTO shops FROM ordertrack.orders x WHERE x.order_id = order_shop.order_id;
	IF shops IS NULL THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	ELSIF cardinality(shops) > 1 THEN
		RAISE EXCEPTION 'order_id % is ambiguous: % rows have it', order_id, cardinality(shops)
			USING ERRCODE = '21000',
				  DETAIL = format('Shops: %s.', array_to_string(shops, ', ')),
				  HINT = 'An id is unique unless rows were inserted with OVERRIDING SYSTEM VALUE: give all but one of them a new id.';
	END IF;
	RETURN shops[1];
END
$$;
COMMENT ON FUNCTION ordertrack.order_shop(bigint) IS
	'Used by the order functions: the shop of the order with this order_id (42704 when there is none, 21000 when orders of several shops have it)';
REVOKE ALL ON FUNCTION ordertrack.order_shop(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ordertrack.order_for_update(order_id bigint) RETURNS ordertrack.orders
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = ordertrack.order_shop(order_for_update.order_id) AND x.order_id = order_for_update.order_id
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	RETURN o;
END
$$;
COMMENT ON FUNCTION ordertrack.order_for_update(bigint) IS 'Used by the order functions: the order, locked (42704 when there is none, 21000 when the order_id is ambiguous)';

CREATE OR REPLACE FUNCTION ordertrack.choose_carrier(order_id bigint) RETURNS text
	LANGUAGE plpgsql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
	chosen text;
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = ordertrack.order_shop(choose_carrier.order_id) AND x.order_id = choose_carrier.order_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	SELECT r.carrier INTO chosen
	  FROM ordertrack.carrier_rules r JOIN ordertrack.carriers c ON c.carrier = r.carrier
	 WHERE r.enabled AND c.enabled
	   AND (c.cold_chain OR NOT 'cold_chain' = ANY (o.service_requirements))
	   AND CASE r.requirement
			WHEN 'any' THEN true
			WHEN 'remote' THEN coalesce(o.remote, false)
			WHEN 'urgent' THEN o.urgent OR 'urgent' = ANY (o.service_requirements)
			ELSE r.requirement = ANY (o.service_requirements) END
	 ORDER BY r.priority
	 LIMIT 1;
	IF chosen IS NULL THEN
		RAISE EXCEPTION 'no carrier for order %', order_id USING ERRCODE = '55000',
			DETAIL = format('Service requirements %s, remote %s.', o.service_requirements, coalesce(o.remote, false)),
			HINT = 'Enable a rule with requirement ''any'' in ordertrack.carrier_rules, and a carrier that carries chilled goods.';
	END IF;
	RETURN chosen;
END
$$;
