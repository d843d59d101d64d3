/* ordertrack--0.7--0.8.sql: ALTER EXTENSION ordertrack UPDATE TO '0.8' */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.8'" to load this file. \quit

-- A checked order, not yet confirmed, is checked again on a corrected
-- recipient, phone or address: the trigger fires on the recipient too.
COMMENT ON FUNCTION ordertrack.order_intake_rederive() IS
	'Trigger AFTER UPDATE on orders, when the recipient, the phone or the address changed: recomputes phone_normalized, province, city, district, region_code and remote, and checks a checked order in received or review again on those fields';
DROP TRIGGER order_intake_rederive ON ordertrack.orders;
CREATE TRIGGER order_intake_rederive AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.recipient IS DISTINCT FROM NEW.recipient OR OLD.phone IS DISTINCT FROM NEW.phone
					   OR OLD.address IS DISTINCT FROM NEW.address)
	EXECUTE FUNCTION ordertrack.order_intake_rederive();
COMMENT ON TRIGGER order_intake_rederive ON ordertrack.orders IS
	'A corrected phone or address brings a new normalised phone and region; a corrected recipient, phone or address of a checked order is checked again';

-- The clock: what the sweep needs to find what is due through indexes.
ALTER TABLE ordertrack.orders ADD COLUMN confirmed_at timestamptz, ADD COLUMN payment_reminded_at timestamptz,
	ADD COLUMN last_scan_at timestamptz, ADD COLUMN stalled_scan_at timestamptz;
COMMENT ON COLUMN ordertrack.orders.confirmed_at IS 'When confirm() confirmed the order: the pick deadline runs from it';
COMMENT ON COLUMN ordertrack.orders.payment_reminded_at IS 'When the sweep reminded the customer to pay (payment_overdue)';
COMMENT ON COLUMN ordertrack.orders.last_scan_at IS 'The time of the newest scan of the parcel (record_scan)';
COMMENT ON COLUMN ordertrack.orders.stalled_scan_at IS
	'The newest scan''s time when the sweep raised transit_stalled: a later scan and a new stall raise it again';
-- Orders confirmed and scanned before 0.8: their confirmation and newest scan.
UPDATE ordertrack.orders o SET confirmed_at = (o.stage_entered_at->>'confirmed')::timestamptz
 WHERE o.stage IN ('confirmed', 'picking') AND o.stage_entered_at ? 'confirmed';
UPDATE ordertrack.orders o SET last_scan_at = s.newest
  FROM (SELECT shop, order_id, max(scanned_at) AS newest FROM ordertrack.scans GROUP BY shop, order_id) s
 WHERE o.shop = s.shop AND o.order_id = s.order_id;

-- What can be due, each through its own index: unpaid orders by their time,
-- orders being picked by their confirmation, parcels by their last scan.
CREATE INDEX orders_unpaid ON ordertrack.orders (created_at)
	WHERE paid_at IS NULL AND NOT cash_on_delivery AND stage IN ('received', 'review', 'confirmed');
CREATE INDEX orders_picking ON ordertrack.orders (confirmed_at) WHERE stage IN ('confirmed', 'picking');
CREATE INDEX orders_in_transit ON ordertrack.orders (last_scan_at)
	WHERE stage IN ('shipped', 'in_transit', 'out_for_delivery');

CREATE TABLE ordertrack.sweeps (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_at timestamptz,
	last_run timestamptz
);
COMMENT ON TABLE ordertrack.sweeps IS 'The last sweep (no row before the first); locked while a sweep runs, so that sweeps run one at a time';
COMMENT ON COLUMN ordertrack.sweeps.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN ordertrack.sweeps.last_at IS 'The time the last sweep judged (its argument)';
COMMENT ON COLUMN ordertrack.sweeps.last_run IS 'When the last sweep ran';
GRANT SELECT ON ordertrack.sweeps TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('ordertrack.sweeps', '');

CREATE FUNCTION ordertrack.sweep_settings(OUT payment_timeout interval, OUT payment_hold interval,
										  OUT payment_cancel_after interval, OUT pick_deadline interval,
										  OUT pick_done_share double precision, OUT pick_grace double precision,
										  OUT transit_stall interval)
	AS 'MODULE_PATHNAME', 'sweep_settings' LANGUAGE C STABLE;
COMMENT ON FUNCTION ordertrack.sweep_settings() IS
	'The deadline settings (ordertrack.payment_timeout, payment_hold, payment_cancel_after, pick_deadline, pick_done_share, pick_grace, transit_stall) as the sweep reads them; payment_cancel_after is NULL when off';

CREATE FUNCTION ordertrack.sweep(at timestamptz DEFAULT now()) RETURNS TABLE (code text, raised integer)
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s record;
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
BEGIN
	IF at IS NULL THEN
		RAISE EXCEPTION 'the time to sweep at must not be null' USING ERRCODE = '22004';
	END IF;
	s := ordertrack.sweep_settings();
	-- one sweep at a time (the mode conflicts with itself, not with readers):
	-- a second waits for the first, then finds raised what it raised
	LOCK TABLE ordertrack.sweeps IN SHARE ROW EXCLUSIVE MODE;

	-- Unpaid: a warn flag and one reminder; orders another transaction has
	-- locked are left to the next sweep.
	FOR o IN SELECT x.shop, x.order_id, x.external_ref, x.account, x.created_at
			   FROM ordertrack.orders x
			  WHERE x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
				AND x.created_at <= at - s.payment_timeout AND x.payment_reminded_at IS NULL
			  ORDER BY x.created_at
			  FOR UPDATE SKIP LOCKED
	LOOP
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
		FOR o IN SELECT x.shop, x.order_id, x.stage
				   FROM ordertrack.orders x
				  WHERE x.paid_at IS NULL AND NOT x.cash_on_delivery AND x.stage IN ('received', 'review', 'confirmed')
					AND x.created_at <= at - s.payment_cancel_after
				  ORDER BY x.created_at
				  FOR UPDATE SKIP LOCKED
		LOOP
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
	FOR o IN SELECT x.shop, x.order_id, x.last_scan_at, x.carrier, x.stage
			   FROM ordertrack.orders x
			  WHERE x.stage IN ('shipped', 'in_transit', 'out_for_delivery')
				AND x.last_scan_at <= at - s.transit_stall
				AND x.stalled_scan_at IS DISTINCT FROM x.last_scan_at
			  ORDER BY x.last_scan_at
			  FOR UPDATE SKIP LOCKED
	LOOP
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'transit_stalled',
			format('No scan since %s (%s, %s).', o.last_scan_at, o.carrier, o.stage));
		UPDATE ordertrack.orders x SET stalled_scan_at = o.last_scan_at WHERE x.shop = o.shop AND x.order_id = o.order_id;
		n_stalled := n_stalled + 1;
	END LOOP;

	INSERT INTO ordertrack.sweeps AS w (last_at, last_run) VALUES (at, now())
	ON CONFLICT (singleton) DO UPDATE SET last_at = excluded.last_at, last_run = excluded.last_run;
	RETURN QUERY VALUES ('payment_overdue', n_payment), ('payment_cancelled', n_cancelled),
		('pick_behind_schedule', n_behind), ('pick_overdue', n_overdue), ('transit_stalled', n_stalled);
END
$$;
COMMENT ON FUNCTION ordertrack.sweep(timestamptz) IS
	'Raises what is due at the given time (default now): payment_overdue and a payment_reminder to the customer, cancellation after ordertrack.payment_cancel_after (off by default), pick_behind_schedule, pick_overdue, transit_stalled; each once per condition. Returns how many of each it raised. Schedule it every minute (pg_cron)';
REVOKE ALL ON FUNCTION ordertrack.sweep(timestamptz) FROM PUBLIC;

-- confirm() notes when it confirmed; record_scan() the newest scan's time.
CREATE OR REPLACE FUNCTION ordertrack.confirm(order_id bigint) RETURNS ordertrack.tracking_no
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders := ordertrack.order_for_update(order_id);
	blocking text;
	tn ordertrack.tracking_no;
	chosen text;
	lines jsonb;
	history text;
BEGIN
	IF o.tracking_no IS NOT NULL THEN
		RETURN o.tracking_no;	-- confirmed already: the same number
	END IF;
	IF o.stage NOT IN ('received', 'review') THEN
		RAISE EXCEPTION 'order % cannot be confirmed in stage %', order_id, o.stage USING ERRCODE = '55000',
			HINT = 'Only orders in received, or in review with no open blocking flag, can be confirmed.';
	END IF;
	IF o.intake_checked_at IS NULL THEN
		RAISE EXCEPTION 'order % has not been checked by intake yet', order_id USING ERRCODE = '55000',
			HINT = 'Intake checks an order when the transaction that inserted it commits; confirm it after that.';
	END IF;
	SELECT string_agg(format('%s (flag %s)', f.code, f.flag_id), ', ' ORDER BY f.flag_id) INTO blocking
	  FROM ordertrack.flags f
	 WHERE f.shop = o.shop AND f.order_id = o.order_id AND f.severity = 'block' AND f.resolved_at IS NULL;
	IF blocking IS NOT NULL THEN
		RAISE EXCEPTION 'order % is held for review', order_id USING ERRCODE = '55000',
			DETAIL = format('Open blocking flags: %s.', blocking),
			HINT = 'Resolve them with ordertrack.resolve_flag(flag_id, note), then confirm.';
	END IF;
	IF o.paid_at IS NULL AND NOT o.cash_on_delivery THEN
		RAISE EXCEPTION 'order % is not paid', order_id USING ERRCODE = '55000',
			HINT = format('Record the payment with ordertrack.mark_paid(%s), or take the order as cash on delivery.', order_id);
	END IF;

	tn := ordertrack.issue_tracking_no();
	chosen := ordertrack.choose_carrier(order_id);
	UPDATE ordertrack.orders x SET tracking_no = tn, carrier = chosen, confirmed_at = now()
	 WHERE x.shop = o.shop AND x.order_id = o.order_id;
	PERFORM ordertrack.advance(order_id, 'confirmed', format('confirmed: %s, %s', chosen, tn), ordertrack.acting_user());

	SELECT jsonb_agg(jsonb_build_object('line_id', l.line_id, 'sku', l.sku, 'title', l.title, 'spec', l.spec,
										'colour', l.colour, 'quantity', l.quantity,
										'fragile', coalesce(p.fragile, false), 'cold_chain', coalesce(p.cold_chain, false),
										'customization', l.customization) ORDER BY l.line_id)
	  INTO lines
	  FROM ordertrack.order_lines l LEFT JOIN ordertrack.products p ON p.sku = l.sku
	 WHERE l.shop = o.shop AND l.order_id = o.order_id;
	SELECT string_agg(n.note, ' / ' ORDER BY n.noted_at, n.note_id) INTO history
	  FROM ordertrack.customer_notes n WHERE n.shop = o.shop AND n.account = o.account;

	PERFORM ordertrack.publish(o.shop, o.order_id, 'warehouse', 'pick_requested', jsonb_build_object(
		'order_id', o.order_id, 'external_ref', o.external_ref, 'tracking_no', tn, 'carrier', chosen,
		'lines', lines,
		'fragile', jsonb_path_exists(lines, '$[*] ? (@.fragile == true)') OR 'fragile' = ANY (o.service_requirements),
		'cold_chain', jsonb_path_exists(lines, '$[*] ? (@.cold_chain == true)') OR 'cold_chain' = ANY (o.service_requirements),
		'service_requirements', o.service_requirements, 'customer_history', history));
	IF jsonb_path_exists(lines, '$[*] ? (@.customization != null && @.customization != "")') THEN
		PERFORM ordertrack.publish(o.shop, o.order_id, 'production', 'production_requested', jsonb_build_object(
			'order_id', o.order_id, 'external_ref', o.external_ref, 'tracking_no', tn,
			'lines', jsonb_path_query_array(lines, '$[*] ? (@.customization != null && @.customization != "")')));
	END IF;
	PERFORM ordertrack.publish(o.shop, o.order_id, 'logistics', 'waybill_requested', jsonb_build_object(
		'order_id', o.order_id, 'external_ref', o.external_ref, 'tracking_no', tn, 'carrier', chosen,
		'recipient', o.recipient, 'phone', o.phone, 'phone_normalized', o.phone_normalized,
		'address', o.address, 'province', o.province, 'city', o.city, 'district', o.district,
		'region_code', o.region_code, 'remote', o.remote, 'service_requirements', o.service_requirements,
		'cash_on_delivery', o.cash_on_delivery));
	RETURN tn;
END
$$;

CREATE OR REPLACE FUNCTION ordertrack.record_scan(tracking_no ordertrack.tracking_no, status text, at timestamptz,
									   location text DEFAULT NULL, detail text DEFAULT NULL)
	RETURNS ordertrack.stage
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
	target ordertrack.stage;
	newest timestamptz;
	stored boolean;
	why text;
BEGIN
	IF tracking_no IS NULL OR at IS NULL THEN
		RAISE EXCEPTION 'tracking_no and at must not be null' USING ERRCODE = '22004';
	END IF;
	target := CASE status
		WHEN 'collected' THEN 'shipped' WHEN 'in_transit' THEN 'in_transit' WHEN 'arrived' THEN 'in_transit'
		WHEN 'out_for_delivery' THEN 'out_for_delivery' WHEN 'delivered' THEN 'delivered'
		WHEN 'failed_attempt' THEN 'delivery_failed' WHEN 'returning' THEN 'returning'
		WHEN 'returned' THEN 'returned' WHEN 'lost' THEN 'lost' WHEN 'exception' THEN NULL END;
	IF target IS NULL AND status IS DISTINCT FROM 'exception' THEN
		RAISE EXCEPTION 'unknown scan status "%"', coalesce(status, 'NULL') USING ERRCODE = '22023',
			HINT = 'Statuses are collected, in_transit, arrived, out_for_delivery, delivered, failed_attempt, returning, returned, lost and exception.';
	END IF;
	SELECT * INTO o FROM ordertrack.orders x WHERE x.tracking_no OPERATOR(ordertrack.=) record_scan.tracking_no FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no order has tracking number %', tracking_no USING ERRCODE = '42704',
			HINT = 'Tracking numbers are issued by ordertrack.confirm(order_id).';
	END IF;
	SELECT max(s.scanned_at) INTO newest FROM ordertrack.scans s
	 WHERE s.shop = o.shop AND s.order_id = o.order_id AND s.tracking_no OPERATOR(ordertrack.=) record_scan.tracking_no;
	INSERT INTO ordertrack.scans (shop, order_id, tracking_no, status, scanned_at, location, detail)
	VALUES (o.shop, o.order_id, tracking_no, status, at, coalesce(location, ''), detail)
	ON CONFLICT ON CONSTRAINT scans_once DO NOTHING;
	GET DIAGNOSTICS stored = ROW_COUNT;
	IF NOT stored THEN
		RETURN o.stage;		-- the same scan again: kept once, and it changes nothing
	END IF;
	IF o.last_scan_at IS NULL OR at > o.last_scan_at THEN
		UPDATE ordertrack.orders x SET last_scan_at = at WHERE x.shop = o.shop AND x.order_id = o.order_id;
	END IF;
	PERFORM ordertrack.publish(o.shop, o.order_id, 'tracking', 'scan_recorded', jsonb_build_object(
		'order_id', o.order_id, 'tracking_no', tracking_no, 'carrier', o.carrier, 'status', status,
		'scanned_at', at, 'location', location, 'detail', detail));
	why := format('scan %s%s', status, CASE WHEN location IS NOT NULL THEN ' at ' || location ELSE '' END);
	IF status = 'failed_attempt' THEN
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'delivery_failed', coalesce(detail, why));
	ELSIF status = 'lost' THEN
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'parcel_lost', coalesce(detail, why));
	ELSIF status = 'exception' THEN
		PERFORM ordertrack.raise_flag(o.shop, o.order_id, 'carrier_exception', coalesce(detail, why));
	END IF;
	-- an older scan than the newest never moves the stage back; a scan that the graph
	-- does not allow from the current stage is kept and moves nothing
	IF target IS NULL OR (newest IS NOT NULL AND at < newest) OR target = o.stage THEN
		RETURN o.stage;
	END IF;
	IF o.stage = 'packed' AND target <> 'shipped' AND 'shipped' = ANY (ordertrack.allowed_stages('packed'))
	   AND target = ANY (ordertrack.allowed_stages('shipped')) THEN
		-- the carrier's first scan may be past collection
		PERFORM ordertrack.advance(o.order_id, 'shipped', why, ordertrack.acting_user());
		o.stage := 'shipped';
	END IF;
	IF target = ANY (ordertrack.allowed_stages(o.stage)) THEN
		PERFORM ordertrack.advance(o.order_id, target, why, ordertrack.acting_user());
		RETURN target;
	END IF;
	RETURN o.stage;
END
$$;
