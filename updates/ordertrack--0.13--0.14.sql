/*
 * ordertrack 0.13 -> 0.14: submit_order refuses the keys it does not take
 * (it dropped them without a word: "stage", a misspelt "remark"), and
 * record_pick gives the picked share to four places (1, not
 * 1.00000000000000000000).
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.14'" to load this file. \quit

-- (as src/sql/intake.sql has it)
CREATE OR REPLACE FUNCTION ordertrack.submit_order("order" jsonb) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r ordertrack.orders;
	id bigint;
	unknown text;
BEGIN
	-- what an ERP may set; the rest is intake's and confirm()'s (a key left
	-- out of the insert would be dropped without a word)
	IF jsonb_typeof("order") IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'an order is a JSON object, not %', coalesce(jsonb_typeof("order"), 'NULL')
			USING ERRCODE = '22023';
	END IF;
	SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys("order") k
	 WHERE k <> ALL (ARRAY['shop', 'external_ref', 'account', 'recipient', 'phone', 'address', 'remarks',
						   'urgent', 'cash_on_delivery', 'paid_at', 'created_at', 'lines']);
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'submit_order does not take %', unknown USING ERRCODE = '22023',
			HINT = 'An order takes shop, external_ref, account, recipient, phone, address, remarks, urgent, '
				   'cash_on_delivery, paid_at, created_at and lines; intake and confirm() set the rest.';
	END IF;
	IF "order" ? 'lines' AND jsonb_typeof("order" -> 'lines') <> 'array' THEN
		RAISE EXCEPTION 'an order''s "lines" is an array of objects' USING ERRCODE = '22023';
	END IF;
	SELECT string_agg(DISTINCT k, ', ' ORDER BY k) INTO unknown
	  FROM jsonb_array_elements("order" -> 'lines') l,
		   LATERAL jsonb_object_keys(CASE jsonb_typeof(l) WHEN 'object' THEN l ELSE '{"(not an object)": 0}' END) k
	 WHERE k <> ALL (ARRAY['sku', 'title', 'spec', 'colour', 'quantity', 'customization']);
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'submit_order does not take % in a line', unknown USING ERRCODE = '22023',
			HINT = 'A line takes sku, title, spec, colour, quantity and customization.';
	END IF;
	r := jsonb_populate_record(NULL::ordertrack.orders, "order");
	-- each statement names the shop: on Citus, one shard's rows
	INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks,
								   urgent, cash_on_delivery, paid_at, created_at)
	VALUES (r.shop, r.external_ref, r.account, r.recipient, r.phone, r.address, r.remarks,
			coalesce(r.urgent, false), coalesce(r.cash_on_delivery, false), r.paid_at, coalesce(r.created_at, now()))
	ON CONFLICT (shop, external_ref) DO NOTHING
	RETURNING order_id INTO id;
	IF id IS NULL THEN
		-- sent before: the order as it was first taken
		SELECT x.order_id INTO id FROM ordertrack.orders x WHERE x.shop = r.shop AND x.external_ref = r.external_ref;
		RETURN id;
	END IF;
	INSERT INTO ordertrack.order_lines (shop, order_id, sku, title, spec, colour, quantity, customization)
	SELECT r.shop, id, x.sku, x.title, x.spec, x.colour, x.quantity, x.customization
	  FROM jsonb_populate_recordset(NULL::ordertrack.order_lines, "order" -> 'lines') x;
	RETURN id;
END
$$;

COMMENT ON FUNCTION ordertrack.submit_order(jsonb) IS
	'Takes a whole order as JSON (the orders columns an ERP sets, plus "lines": an array of objects keyed by the order_lines columns an ERP sets; any other key is refused) and returns its order_id; sending the same (shop, external_ref) again returns the existing order. Runs with the caller''s rights: it needs INSERT and SELECT on orders and INSERT on order_lines (the ordertrack_erp duty)';

-- (as src/sql/fulfilment.sql has it)
CREATE OR REPLACE FUNCTION ordertrack.record_pick(order_id bigint, sku text, quantity integer) RETURNS numeric
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders := ordertrack.order_for_update(order_id);
	ordered bigint;
	picked bigint;
	left_over integer := quantity;
	l record;
	progress numeric;
BEGIN
	IF quantity IS NULL OR quantity < 1 THEN
		RAISE EXCEPTION 'a pick is of at least 1 unit, not %', coalesce(quantity::text, 'NULL') USING ERRCODE = '22023';
	END IF;
	SELECT sum(x.quantity), coalesce(sum(x.picked), 0) INTO ordered, picked
	  FROM ordertrack.order_lines x WHERE x.shop = o.shop AND x.order_id = o.order_id AND x.sku = record_pick.sku;
	IF ordered IS NULL THEN
		RAISE EXCEPTION 'order % has no line with SKU %', order_id, coalesce(sku, 'NULL') USING ERRCODE = '42704';
	END IF;
	IF picked + quantity > ordered THEN
		RAISE EXCEPTION 'picking % of SKU % would exceed the % ordered', quantity, sku, ordered USING ERRCODE = '22023',
			DETAIL = format('%s are picked already.', picked);
	END IF;
	IF o.stage IN ('confirmed', 'in_production') THEN
		PERFORM ordertrack.advance(order_id, 'picking', 'picking started', ordertrack.acting_user());
	ELSIF o.stage <> 'picking' THEN
		RAISE EXCEPTION 'order % is not being picked: it is in stage %', order_id, o.stage USING ERRCODE = '55000',
			HINT = 'Picks are recorded for orders in confirmed, in_production or picking.';
	END IF;
	-- the lines of the SKU fill up in line order
	FOR l IN SELECT x.line_id, x.quantity - coalesce(x.picked, 0) AS open FROM ordertrack.order_lines x
			  WHERE x.shop = o.shop AND x.order_id = o.order_id AND x.sku = record_pick.sku
				AND coalesce(x.picked, 0) < x.quantity
			  ORDER BY x.line_id LOOP
		EXIT WHEN left_over = 0;
		UPDATE ordertrack.order_lines x SET picked = coalesce(x.picked, 0) + least(l.open, left_over)
		 WHERE x.shop = o.shop AND x.line_id = l.line_id;
		left_over := left_over - least(l.open, left_over);
	END LOOP;
	-- a share to four places, without trailing zeros: 1, 0.5, 0.6667
	SELECT trim_scale(round(coalesce(sum(x.picked), 0)::numeric / sum(x.quantity), 4)) INTO progress
	  FROM ordertrack.order_lines x WHERE x.shop = o.shop AND x.order_id = o.order_id;
	UPDATE ordertrack.orders x SET pick_progress = progress WHERE x.shop = o.shop AND x.order_id = o.order_id;
	IF progress = 1 THEN
		PERFORM ordertrack.publish(o.shop, o.order_id, 'warehouse', 'pick_completed', jsonb_build_object(
			'order_id', o.order_id, 'tracking_no', o.tracking_no, 'carrier', o.carrier));
	END IF;
	RETURN progress;
END
$$;
