/*
 * ordertrack 0.13 -> 0.14: submit_order refuses the keys it does not take
 * (it dropped them without a word: "stage", a misspelt "remark"), and
 * record_pick gives the picked share to four places (1, not
 * 1.00000000000000000000), and the sweep resolves the deadline flags of
 * orders since paid, packed or scanned again.
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

-- (as src/sql/deadlines.sql has it)
-- The open deadline flags, which each sweep looks through for the ones the
-- order has since settled.
CREATE INDEX flags_open_deadlines ON ordertrack.flags (shop, order_id)
	WHERE resolved_at IS NULL AND code IN ('payment_overdue', 'pick_behind_schedule', 'pick_overdue', 'transit_stalled');

CREATE OR REPLACE FUNCTION ordertrack.sweep(at timestamptz DEFAULT now()) RETURNS TABLE (code text, raised integer)
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s record;
	c record;
	o record;
	n_payment integer := 0;
	n_cancelled integer := 0;
	n_behind integer := 0;
	n_overdue integer := 0;
	n_stalled integer := 0;
	held_until timestamptz;
	elapsed double precision;
	expected double precision;
	picked double precision;
	scores_at timestamptz;
BEGIN
	IF at IS NULL THEN
		RAISE EXCEPTION 'the time to sweep at must not be null' USING ERRCODE = '22004';
	END IF;
	s := ordertrack.sweep_settings();
	-- one sweep at a time (the mode conflicts with itself, not with readers):
	-- a second waits for the first, then finds raised what it raised
	LOCK TABLE ordertrack.sweeps IN SHARE ROW EXCLUSIVE MODE;

	-- Deadlines met since: the open deadline flags of orders since paid,
	-- packed (or cancelled) or scanned again are resolved by the sweep, so
	-- that sla_breaches and the board count only what is still late.
	FOR c IN SELECT f.shop, f.order_id, f.flag_id, f.code, f.severity,
					CASE WHEN x.stage IN ('cancelled', 'completed') THEN 'order ' || x.stage
						 WHEN f.code = 'payment_overdue' THEN 'paid'
						 WHEN f.code = 'transit_stalled' THEN 'scanned again'
						 ELSE 'packed' END AS why
			   FROM ordertrack.flags f
			   JOIN ordertrack.orders x ON x.shop = f.shop AND x.order_id = f.order_id
			  WHERE f.resolved_at IS NULL
				AND f.code IN ('payment_overdue', 'pick_behind_schedule', 'pick_overdue', 'transit_stalled')
				AND CASE f.code
					WHEN 'payment_overdue' THEN x.paid_at IS NOT NULL OR x.stage IN ('cancelled', 'completed')
					WHEN 'transit_stalled' THEN x.last_scan_at IS DISTINCT FROM x.stalled_scan_at
											 OR x.stage NOT IN ('shipped', 'in_transit', 'out_for_delivery')
					ELSE x.stage NOT IN ('received', 'review', 'confirmed', 'in_production', 'picking') END
	LOOP
		UPDATE ordertrack.flags f SET resolved_at = at, resolved_by = 'ordertrack.sweep', resolution = c.why
		 WHERE f.shop = c.shop AND f.order_id = c.order_id AND f.flag_id = c.flag_id AND f.resolved_at IS NULL;
		CONTINUE WHEN NOT FOUND;
		PERFORM ordertrack.publish(c.shop, c.order_id, 'alerts', 'flag_resolved', jsonb_build_object(
			'flag_id', c.flag_id, 'code', c.code, 'severity', c.severity, 'resolution', c.why,
			'resolved_by', 'ordertrack.sweep'));
	END LOOP;

	-- Unpaid: a warn flag and one reminder; orders another transaction has
	-- locked are left to the next sweep.
	FOR c IN SELECT x.shop, x.order_id
			   FROM ordertrack.orders x
			  WHERE x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
				AND x.created_at <= at - s.payment_timeout AND x.payment_reminded_at IS NULL
			  ORDER BY x.created_at
	LOOP
		-- each order locked on its own, by its shop (on Citus, one shard's row), and
		-- looked at again as locked
		SELECT x.shop, x.order_id, x.external_ref, x.account, x.created_at INTO o
		  FROM ordertrack.orders x
		 WHERE x.shop = c.shop AND x.order_id = c.order_id
		   AND x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
		   AND x.created_at <= at - s.payment_timeout AND x.payment_reminded_at IS NULL
		   FOR UPDATE SKIP LOCKED;
		CONTINUE WHEN NOT FOUND;
		held_until := o.created_at + coalesce(s.payment_cancel_after, s.payment_hold);
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'payment_overdue',
			format('Unpaid since %s; reminded, the items are held until %s.', o.created_at, held_until));
		PERFORM ordertrack.publish(o.shop, o.order_id, 'customer', 'payment_reminder', jsonb_build_object(
			'order_id', o.order_id, 'external_ref', o.external_ref, 'account', o.account,
			'ordered_at', o.created_at, 'held_until', held_until,
			'message', format('您的订单 %s 尚未付款。我们为您保留商品至 %s，请尽快完成付款。',
							  o.external_ref, to_char(held_until, 'YYYY-MM-DD HH24:MI'))));
		UPDATE ordertrack.orders x SET payment_reminded_at = at WHERE x.shop = o.shop AND x.order_id = o.order_id;
		n_payment := n_payment + 1;
	END LOOP;

	-- Unpaid for too long, when the shop wants it: cancelled through the stage graph.
	IF s.payment_cancel_after IS NOT NULL THEN
		FOR c IN SELECT x.shop, x.order_id
				   FROM ordertrack.orders x
				  WHERE x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
					AND x.created_at <= at - s.payment_cancel_after
				  ORDER BY x.created_at
		LOOP
			SELECT x.shop, x.order_id, x.stage INTO o
			  FROM ordertrack.orders x
			 WHERE x.shop = c.shop AND x.order_id = c.order_id
			   AND x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
			   AND x.created_at <= at - s.payment_cancel_after
			   FOR UPDATE SKIP LOCKED;
			CONTINUE WHEN NOT FOUND;
			IF 'cancelled' = ANY (ordertrack.allowed_stages(o.stage)) THEN
				PERFORM ordertrack.advance(o.order_id, 'cancelled',
					format('unpaid for %s (ordertrack.payment_cancel_after)', s.payment_cancel_after), 'ordertrack.sweep');
				n_cancelled := n_cancelled + 1;
			END IF;
		END LOOP;
	END IF;

	-- Picking: expected to progress evenly from confirmation to pick_done_share
	-- of the deadline; behind when the picked share trails that by more than
	-- pick_grace (which cannot happen before grace * done_share of the
	-- deadline has passed: the index reads no order younger than that);
	-- overdue when the deadline passed and the order is not packed.  Each
	-- once per order.
	FOR o IN SELECT x.shop, x.order_id, x.confirmed_at, coalesce(x.pick_progress, 0) AS progress
			   FROM ordertrack.orders x
			  WHERE x.stage IN ('confirmed', 'picking')
				AND x.confirmed_at <= at - s.pick_deadline * (s.pick_grace * s.pick_done_share)
			  ORDER BY x.confirmed_at
	LOOP
		IF at > o.confirmed_at + s.pick_deadline THEN
			IF NOT EXISTS (SELECT FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
						   AND f.code = 'pick_overdue') THEN
				PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'pick_overdue',
					format('Confirmed at %s, not packed by %s; %s%% picked.', o.confirmed_at,
						   o.confirmed_at + s.pick_deadline, round(o.progress * 100)));
				n_overdue := n_overdue + 1;
			END IF;
			CONTINUE;
		END IF;
		elapsed := extract(epoch FROM at - o.confirmed_at) / extract(epoch FROM s.pick_deadline);
		expected := least(1.0, elapsed / s.pick_done_share);
		picked := o.progress;
		IF picked < expected - s.pick_grace
		   AND NOT EXISTS (SELECT FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
						   AND f.code = 'pick_behind_schedule') THEN
			PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'pick_behind_schedule',
				format('%s%% picked %s after confirmation; %s%% expected by now, all by %s.',
					   round(picked * 100), justify_interval(date_trunc('minute', at - o.confirmed_at)),
					   round(expected * 100), o.confirmed_at + s.pick_deadline * s.pick_done_share));
			n_behind := n_behind + 1;
		END IF;
	END LOOP;

	-- In transit with no scan for transit_stall: once per last scan (a later
	-- scan followed by a new stall raises it again).
	FOR c IN SELECT x.shop, x.order_id
			   FROM ordertrack.orders x
			  WHERE x.stage IN ('shipped', 'in_transit', 'out_for_delivery')
				AND x.last_scan_at <= at - s.transit_stall
				AND x.stalled_scan_at IS DISTINCT FROM x.last_scan_at
			  ORDER BY x.last_scan_at
	LOOP
		SELECT x.shop, x.order_id, x.last_scan_at, x.carrier, x.stage INTO o
		  FROM ordertrack.orders x
		 WHERE x.shop = c.shop AND x.order_id = c.order_id
		   AND x.stage IN ('shipped', 'in_transit', 'out_for_delivery')
		   AND x.last_scan_at <= at - s.transit_stall
		   AND x.stalled_scan_at IS DISTINCT FROM x.last_scan_at
		   FOR UPDATE SKIP LOCKED;
		CONTINUE WHEN NOT FOUND;
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'transit_stalled',
			format('No scan since %s (%s, %s).', o.last_scan_at, o.carrier, o.stage));
		UPDATE ordertrack.orders x SET stalled_scan_at = o.last_scan_at WHERE x.shop = o.shop AND x.order_id = o.order_id;
		n_stalled := n_stalled + 1;
	END LOOP;

	-- the carriers' scorecards, when older than scorecard_refresh (or from the future: a test's time)
	SELECT w.scores_at INTO scores_at FROM ordertrack.sweeps w;
	IF scores_at IS NULL OR scores_at <= at - s.scorecard_refresh OR scores_at > at THEN
		PERFORM ordertrack.refresh_carrier_scores(at);
		scores_at := at;
	END IF;

	INSERT INTO ordertrack.sweeps AS w (last_at, last_run, scores_at) VALUES (at, now(), scores_at)
	ON CONFLICT (singleton) DO UPDATE SET last_at = excluded.last_at, last_run = excluded.last_run,
		scores_at = excluded.scores_at;
	RETURN QUERY VALUES ('payment_overdue', n_payment), ('payment_cancelled', n_cancelled),
		('pick_behind_schedule', n_behind), ('pick_overdue', n_overdue), ('transit_stalled', n_stalled);
END
$$;

COMMENT ON FUNCTION ordertrack.sweep(timestamptz) IS
	'Raises what is due at the given time (default now): payment_overdue and a payment_reminder to the customer, cancellation after ordertrack.payment_cancel_after (off by default), pick_behind_schedule, pick_overdue, transit_stalled; each once per condition. Resolves those flags once the order is paid, packed or scanned again (or cancelled), publishing flag_resolved. Returns how many of each it raised. Also computes the carriers'' scorecards again every ordertrack.scorecard_refresh. Schedule it every minute (pg_cron)';
