/*
 * deadlines.sql: the clock.  ordertrack.sweep(at) raises what time alone
 * makes due: an order unpaid too long (a flag and a reminder to the
 * customer, and optionally its cancellation), picking behind its pace or
 * past its deadline, a parcel with no scan for too long.  A scheduler calls
 * it (pg_cron: see the README); it reads only what can be due, through the
 * partial indexes below, and raises each condition once.
 */

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
	last_run timestamptz,
	scores_at timestamptz
);
COMMENT ON TABLE ordertrack.sweeps IS 'The last sweep (no row before the first); locked while a sweep runs, so that sweeps run one at a time';
COMMENT ON COLUMN ordertrack.sweeps.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN ordertrack.sweeps.last_at IS 'The time the last sweep judged (its argument)';
COMMENT ON COLUMN ordertrack.sweeps.last_run IS 'When the last sweep ran';
COMMENT ON COLUMN ordertrack.sweeps.scores_at IS 'The time the sweep last computed the carriers'' scorecards for';
GRANT SELECT ON ordertrack.sweeps TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('ordertrack.sweeps', '');

CREATE FUNCTION ordertrack.sweep_settings(OUT payment_timeout interval, OUT payment_hold interval,
										  OUT payment_cancel_after interval, OUT pick_deadline interval,
										  OUT pick_done_share double precision, OUT pick_grace double precision,
										  OUT transit_stall interval, OUT scorecard_window interval,
										  OUT scorecard_refresh interval, OUT min_on_time_rate double precision,
										  OUT min_scorecard_sample integer)
	AS 'MODULE_PATHNAME', 'sweep_settings' LANGUAGE C STABLE;
COMMENT ON FUNCTION ordertrack.sweep_settings() IS
	'The deadline and scorecard settings (ordertrack.payment_timeout, payment_hold, payment_cancel_after, pick_deadline, pick_done_share, pick_grace, transit_stall, scorecard_window, scorecard_refresh, min_on_time_rate, min_scorecard_sample) as the sweep and choose_carrier read them; payment_cancel_after is NULL when off';

-- The open deadline flags, which each sweep looks through for the ones the
-- order has since settled.
CREATE INDEX flags_open_deadlines ON ordertrack.flags (shop, order_id)
	WHERE resolved_at IS NULL AND code IN ('payment_overdue', 'pick_behind_schedule', 'pick_overdue', 'transit_stalled');

CREATE FUNCTION ordertrack.sweep(at timestamptz DEFAULT now()) RETURNS TABLE (code text, raised integer)
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
REVOKE ALL ON FUNCTION ordertrack.sweep(timestamptz) FROM PUBLIC;
