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

-- A parcel delivered after a failed attempt, with no out_for_delivery scan
-- between (couriers often deliver the next day straight away).
INSERT INTO ordertrack.stage_transitions (from_stage, to_stage, origin)
VALUES ('delivery_failed', 'delivered', 'shipped')
ON CONFLICT DO NOTHING;

-- The clock: what the sweep needs to find what is due through indexes, and
-- how confirm() chose the carrier.
ALTER TABLE ordertrack.orders ADD COLUMN confirmed_at timestamptz, ADD COLUMN payment_reminded_at timestamptz,
	ADD COLUMN last_scan_at timestamptz, ADD COLUMN stalled_scan_at timestamptz, ADD COLUMN carrier_choice jsonb;
COMMENT ON COLUMN ordertrack.orders.confirmed_at IS 'When confirm() confirmed the order: the pick deadline runs from it';
COMMENT ON COLUMN ordertrack.orders.payment_reminded_at IS 'When the sweep reminded the customer to pay (payment_overdue)';
COMMENT ON COLUMN ordertrack.orders.last_scan_at IS 'The time of the newest scan of the parcel (record_scan)';
COMMENT ON COLUMN ordertrack.orders.stalled_scan_at IS
	'The newest scan''s time when the sweep raised transit_stalled: a later scan and a new stall raise it again';
COMMENT ON COLUMN ordertrack.orders.carrier_choice IS
	'How confirm() chose the carrier: the rule, and the carriers passed over for being late in the province (carrier_choice())';
-- Orders confirmed and scanned before 0.8: their confirmation and newest scan.
UPDATE ordertrack.orders o SET confirmed_at = (o.stage_entered_at->>'confirmed')::timestamptz
 WHERE o.stage IN ('confirmed', 'picking') AND o.stage_entered_at ? 'confirmed';
UPDATE ordertrack.orders o SET last_scan_at = s.newest
  FROM (SELECT shop, order_id, max(scanned_at) AS newest FROM ordertrack.scans GROUP BY shop, order_id) s
 WHERE o.shop = s.shop AND o.order_id = s.order_id;

-- The carriers' record: promises, shipments (from the scans so far) and scorecards.
-- What each carrier promises: days from collection to delivery, per
-- province (as orders.province names it), '*' for anywhere else.
CREATE TABLE ordertrack.carrier_promises (
	carrier text NOT NULL,
	province text NOT NULL CHECK (province OPERATOR(pg_catalog.<>) ''),
	days integer NOT NULL CHECK (days OPERATOR(pg_catalog.>=) 1 AND days OPERATOR(pg_catalog.<=) 60),
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom')),
	PRIMARY KEY (carrier, province)
);
COMMENT ON TABLE ordertrack.carrier_promises IS
	'How many days each carrier promises from collection to delivery, per province; ''*'' for the provinces not listed';
COMMENT ON COLUMN ordertrack.carrier_promises.carrier IS 'A carrier of ordertrack.carriers';
COMMENT ON COLUMN ordertrack.carrier_promises.province IS 'A province as orders.province names it (北京市, 新疆维吾尔自治区), or * for any other';
COMMENT ON COLUMN ordertrack.carrier_promises.days IS 'Days from collection to delivery';
COMMENT ON COLUMN ordertrack.carrier_promises.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
-- anywhere: SF and JD 2 days, ZTO 3, EMS 4; the remote provinces 2 or 3 days more
INSERT INTO ordertrack.carrier_promises (carrier, province, days, origin)
SELECT c.carrier, '*', c.days, 'shipped'
  FROM (VALUES ('SF', 2), ('JD', 2), ('ZTO', 3), ('EMS', 4)) AS c(carrier, days)
UNION ALL
SELECT c.carrier, r.name, c.days, 'shipped'
  FROM (VALUES ('SF', 4), ('JD', 5), ('ZTO', 6), ('EMS', 6)) AS c(carrier, days),
	   ordertrack.remote_regions m JOIN ordertrack.regions r ON r.code = m.province_code
 WHERE m.origin = 'shipped';
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.carrier_promises
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carrier_promises', 'carrier', 'province');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.carrier_promises
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carrier_promises');
COMMENT ON TRIGGER settings_row_guard ON ordertrack.carrier_promises IS
	'Edits make a row custom; an inserted row replaces the shipped one; shipped rows are switched off, not deleted';
COMMENT ON TRIGGER settings_no_truncate ON ordertrack.carrier_promises IS 'Refuses TRUNCATE';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.carrier_promises', 'WHERE origin = ''custom''');
GRANT SELECT ON ordertrack.carrier_promises TO PUBLIC;

-- The carriers' record: one row per parcel, written by record_scan as its
-- scans arrive (collection, delivery, failed attempts, loss).
CREATE TABLE ordertrack.carrier_shipments (
	shop text NOT NULL,
	order_id bigint NOT NULL,
	carrier text NOT NULL,
	province text,
	shipped_at timestamptz NOT NULL,
	due_at timestamptz NOT NULL,
	delivered_at timestamptz,
	failed_attempts integer NOT NULL DEFAULT 0,
	lost boolean NOT NULL DEFAULT false,
	PRIMARY KEY (shop, order_id),
	FOREIGN KEY (shop, order_id) REFERENCES ordertrack.orders (shop, order_id) ON DELETE CASCADE
);
CREATE INDEX carrier_shipments_shipped ON ordertrack.carrier_shipments (shipped_at);
COMMENT ON TABLE ordertrack.carrier_shipments IS 'Each parcel as its carrier handled it (record_scan): what the scorecards are computed from';
COMMENT ON COLUMN ordertrack.carrier_shipments.shop IS 'The order''s shop';
COMMENT ON COLUMN ordertrack.carrier_shipments.order_id IS 'The order';
COMMENT ON COLUMN ordertrack.carrier_shipments.carrier IS 'The carrier that took it';
COMMENT ON COLUMN ordertrack.carrier_shipments.province IS 'The province it went to (NULL: not recognised)';
COMMENT ON COLUMN ordertrack.carrier_shipments.shipped_at IS 'Its first scan';
COMMENT ON COLUMN ordertrack.carrier_shipments.due_at IS 'By when the carrier promised to deliver it (carrier_promises)';
COMMENT ON COLUMN ordertrack.carrier_shipments.delivered_at IS 'Its delivered scan';
COMMENT ON COLUMN ordertrack.carrier_shipments.failed_attempts IS 'How many delivery attempts failed';
COMMENT ON COLUMN ordertrack.carrier_shipments.lost IS 'The carrier reported it lost';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.carrier_shipments', '');

-- The scorecards, per shop, carrier and province over the last
-- ordertrack.scorecard_window, refreshed by the sweep (at most every
-- ordertrack.scorecard_refresh) from carrier_shipments: choose_carrier reads
-- these few rows, never the shipments.
CREATE TABLE ordertrack.carrier_scores (
	shop text NOT NULL,
	carrier text NOT NULL,
	province text NOT NULL,
	shipped integer NOT NULL,
	delivered integer NOT NULL,
	judged integer NOT NULL,
	on_time integer NOT NULL,
	on_time_rate numeric,
	median_days numeric,
	p90_days numeric,
	failed_attempts integer NOT NULL,
	lost integer NOT NULL,
	refreshed_at timestamptz NOT NULL,
	PRIMARY KEY (shop, carrier, province)
);
COMMENT ON TABLE ordertrack.carrier_scores IS
	'How each carrier did per shop and province over the last ordertrack.scorecard_window (refreshed by the sweep; see carrier_scorecard)';
COMMENT ON COLUMN ordertrack.carrier_scores.shop IS 'The shop';
COMMENT ON COLUMN ordertrack.carrier_scores.carrier IS 'The carrier';
COMMENT ON COLUMN ordertrack.carrier_scores.province IS 'The province (? when not recognised)';
COMMENT ON COLUMN ordertrack.carrier_scores.shipped IS 'Parcels collected in the window';
COMMENT ON COLUMN ordertrack.carrier_scores.delivered IS 'Of them, delivered';
COMMENT ON COLUMN ordertrack.carrier_scores.judged IS 'Of them, those whose promise can be judged: delivered, lost, or past the promised day';
COMMENT ON COLUMN ordertrack.carrier_scores.on_time IS 'Of them, delivered by the promised day';
COMMENT ON COLUMN ordertrack.carrier_scores.on_time_rate IS 'on_time / judged (NULL when none is judged)';
COMMENT ON COLUMN ordertrack.carrier_scores.median_days IS 'Median days from collection to delivery';
COMMENT ON COLUMN ordertrack.carrier_scores.p90_days IS '90th percentile of the days from collection to delivery';
COMMENT ON COLUMN ordertrack.carrier_scores.failed_attempts IS 'Failed delivery attempts';
COMMENT ON COLUMN ordertrack.carrier_scores.lost IS 'Parcels lost';
COMMENT ON COLUMN ordertrack.carrier_scores.refreshed_at IS 'The time the figures were computed for';
GRANT SELECT ON ordertrack.carrier_scores TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('ordertrack.carrier_scores', '');

CREATE FUNCTION ordertrack.refresh_carrier_scores(at timestamptz DEFAULT now()) RETURNS integer
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s record := ordertrack.sweep_settings();
	n integer;
BEGIN
	IF at IS NULL THEN
		RAISE EXCEPTION 'the time to refresh at must not be null' USING ERRCODE = '22004';
	END IF;
	DELETE FROM ordertrack.carrier_scores;
	INSERT INTO ordertrack.carrier_scores (shop, carrier, province, shipped, delivered, judged, on_time, on_time_rate,
										   median_days, p90_days, failed_attempts, lost, refreshed_at)
	SELECT p.shop, p.carrier, coalesce(p.province, '?'), count(*)::int, count(p.delivered_at)::int,
		   count(*) FILTER (WHERE p.judged)::int, count(*) FILTER (WHERE p.on_time)::int,
		   round(count(*) FILTER (WHERE p.on_time)::numeric / nullif(count(*) FILTER (WHERE p.judged), 0), 3),
		   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY p.days))::numeric, 1),
		   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY p.days))::numeric, 1),
		   sum(p.failed_attempts)::int, count(*) FILTER (WHERE p.lost)::int, at
	  FROM (SELECT x.*, x.delivered_at IS NOT NULL AND x.delivered_at <= x.due_at AS on_time,
				   x.delivered_at IS NOT NULL OR x.lost OR x.due_at < at AS judged,
				   extract(epoch FROM x.delivered_at - x.shipped_at) / 86400 AS days
			  FROM ordertrack.carrier_shipments x
			 WHERE x.shipped_at > at - s.scorecard_window AND x.shipped_at <= at) p
	 GROUP BY p.shop, p.carrier, coalesce(p.province, '?');
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ordertrack.refresh_carrier_scores(timestamptz) IS
	'Computes carrier_scores afresh from carrier_shipments collected in the ordertrack.scorecard_window before the given time; returns the rows. The sweep calls it every ordertrack.scorecard_refresh';
REVOKE ALL ON FUNCTION ordertrack.refresh_carrier_scores(timestamptz) FROM PUBLIC;
INSERT INTO ordertrack.carrier_shipments (shop, order_id, carrier, province, shipped_at, due_at, delivered_at,
										  failed_attempts, lost)
SELECT o.shop, o.order_id, o.carrier, o.province, s.first,
	   s.first + make_interval(days => coalesce((SELECT p.days FROM ordertrack.carrier_promises p
												 WHERE p.carrier = o.carrier AND p.province IN (o.province, '*')
												 ORDER BY p.province = '*' LIMIT 1), 3)),
	   s.delivered, s.failed, s.lost
  FROM ordertrack.orders o
  JOIN (SELECT shop, order_id, min(scanned_at) AS first,
			   min(scanned_at) FILTER (WHERE status = 'delivered') AS delivered,
			   count(*) FILTER (WHERE status = 'failed_attempt')::int AS failed,
			   bool_or(status = 'lost') AS lost
		  FROM ordertrack.scans GROUP BY shop, order_id) s ON s.shop = o.shop AND s.order_id = o.order_id
 WHERE o.carrier IS NOT NULL;

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
	scores_at timestamptz;
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
	'Raises what is due at the given time (default now): payment_overdue and a payment_reminder to the customer, cancellation after ordertrack.payment_cancel_after (off by default), pick_behind_schedule, pick_overdue, transit_stalled; each once per condition. Returns how many of each it raised. Also computes the carriers'' scorecards again every ordertrack.scorecard_refresh. Schedule it every minute (pg_cron)';
REVOKE ALL ON FUNCTION ordertrack.sweep(timestamptz) FROM PUBLIC;

-- The carrier for an order: the first rule that applies whose carrier is not
-- late in the order's province (scorecards), and why the others were passed over.
CREATE FUNCTION ordertrack.carrier_choice(order_id bigint) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
	s record := ordertrack.sweep_settings();
	r record;
	sc ordertrack.carrier_scores;
	skipped jsonb := '[]';
	first jsonb;
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = ordertrack.order_shop(carrier_choice.order_id) AND x.order_id = carrier_choice.order_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	FOR r IN SELECT x.priority, x.requirement, x.carrier
			   FROM ordertrack.carrier_rules x JOIN ordertrack.carriers c ON c.carrier = x.carrier
			  WHERE x.enabled AND c.enabled
				AND (c.cold_chain OR NOT 'cold_chain' = ANY (o.service_requirements))
				AND CASE x.requirement
					WHEN 'any' THEN true
					WHEN 'remote' THEN coalesce(o.remote, false)
					WHEN 'urgent' THEN o.urgent OR 'urgent' = ANY (o.service_requirements)
					ELSE x.requirement = ANY (o.service_requirements) END
			  ORDER BY x.priority
	LOOP
		first := coalesce(first, jsonb_build_object('carrier', r.carrier, 'rule', r.priority, 'requirement', r.requirement));
		SELECT * INTO sc FROM ordertrack.carrier_scores c
		 WHERE c.shop = o.shop AND c.carrier = r.carrier AND c.province = coalesce(o.province, '?');
		IF FOUND AND sc.judged >= s.min_scorecard_sample AND sc.on_time_rate < s.min_on_time_rate THEN
			skipped := skipped || jsonb_build_object('carrier', r.carrier, 'rule', r.priority,
				'on_time_rate', sc.on_time_rate, 'judged', sc.judged,
				'reason', format('%s was on time in %s for %s%% of %s parcels (under %s%%)', r.carrier, sc.province,
								 round(sc.on_time_rate * 100), sc.judged, round(s.min_on_time_rate::numeric * 100)));
			CONTINUE;
		END IF;
		RETURN jsonb_build_object('carrier', r.carrier, 'rule', r.priority, 'requirement', r.requirement,
								  'skipped', skipped);
	END LOOP;
	IF first IS NOT NULL THEN
		-- every carrier the rules allow is late here: the first rule's, said so
		RETURN first || jsonb_build_object('skipped', '[]'::jsonb, 'all_late', skipped);
	END IF;
	RAISE EXCEPTION 'no carrier for order %', order_id USING ERRCODE = '55000',
		DETAIL = format('Service requirements %s, remote %s.', o.service_requirements, coalesce(o.remote, false)),
		HINT = 'Enable a rule with requirement ''any'' in ordertrack.carrier_rules, and a carrier that carries chilled goods.';
END
$$;
COMMENT ON FUNCTION ordertrack.carrier_choice(bigint) IS
	'How choose_carrier chooses: {"carrier", "rule" (its priority), "requirement", "skipped": [{"carrier", "rule", "on_time_rate", "judged", "reason"}]}. A rule''s carrier is skipped when its on-time rate in the order''s province is under ordertrack.min_on_time_rate over at least ordertrack.min_scorecard_sample judged parcels (carrier_scores); when every one is, the first rule''s carrier, with "all_late"';

CREATE OR REPLACE FUNCTION ordertrack.choose_carrier(order_id bigint) RETURNS text
	LANGUAGE sql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ordertrack.carrier_choice(order_id)->>'carrier'
$$;
COMMENT ON FUNCTION ordertrack.choose_carrier(bigint) IS
	'The carrier for an order by ordertrack.carrier_rules: by default cold chain -> SF, remote region -> EMS, urgent -> SF, else ZTO; a cold-chain order only goes with a carrier that carries chilled goods; a carrier late in the order''s province is passed over for the next rule (see carrier_choice)';
REVOKE ALL ON FUNCTION ordertrack.carrier_choice(bigint) FROM PUBLIC;

-- confirm() notes when it confirmed and how it chose the carrier; record_scan()
-- the newest scan's time and the carriers' record.
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
	choice jsonb;
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
	choice := ordertrack.carrier_choice(order_id);
	chosen := choice->>'carrier';
	UPDATE ordertrack.orders x SET tracking_no = tn, carrier = chosen, carrier_choice = choice, confirmed_at = now()
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
		'cash_on_delivery', o.cash_on_delivery, 'carrier_choice', choice));
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
	-- the carriers' record: collected at the first scan, due by the carrier's promise
	IF o.carrier IS NOT NULL THEN
		INSERT INTO ordertrack.carrier_shipments AS c (shop, order_id, carrier, province, shipped_at, due_at)
		SELECT o.shop, o.order_id, o.carrier, o.province, at,
			   at + make_interval(days => coalesce((SELECT p.days FROM ordertrack.carrier_promises p
													 WHERE p.carrier = o.carrier AND p.province IN (o.province, '*')
													 ORDER BY p.province = '*' LIMIT 1), 3))
		ON CONFLICT (shop, order_id) DO UPDATE
		   SET shipped_at = excluded.shipped_at, due_at = excluded.shipped_at + (c.due_at - c.shipped_at)
		 WHERE excluded.shipped_at < c.shipped_at;
		UPDATE ordertrack.carrier_shipments c
		   SET delivered_at = CASE WHEN status = 'delivered' THEN least(c.delivered_at, at) ELSE c.delivered_at END,
			   failed_attempts = c.failed_attempts + CASE WHEN status = 'failed_attempt' THEN 1 ELSE 0 END,
			   lost = c.lost OR status = 'lost'
		 WHERE c.shop = o.shop AND c.order_id = o.order_id AND status IN ('delivered', 'failed_attempt', 'lost');
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

-- What the people on duty read: the views, timeline and lookup.
-- A bar of width cells for value out of max: full blocks and one partial
-- block (eighths), padded with spaces so that a column of them lines up.
CREATE FUNCTION ordertrack.bar(value double precision, max double precision, width integer DEFAULT 20) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN value IS NULL OR max IS NULL OR max <= 0 OR width IS NULL OR width < 1 THEN NULL ELSE
		rpad(repeat('█', e / 8) || CASE WHEN e % 8 > 0 THEN substr('▏▎▍▌▋▊▉', e % 8, 1) ELSE '' END, width)
	END
	  FROM (SELECT least(greatest(round(value / max * width * 8), 0), width * 8)::integer AS e) x
$$;
COMMENT ON FUNCTION ordertrack.bar(double precision, double precision, integer) IS
	'A bar of width characters (default 20) for value out of max, in Unicode blocks to an eighth of a character, padded to line up in psql';
GRANT EXECUTE ON FUNCTION ordertrack.bar(double precision, double precision, integer) TO PUBLIC;

-- The deadline flags: what the sweep raises when an order is late.
CREATE VIEW ordertrack.sla_breaches AS
SELECT f.shop, f.order_id, o.external_ref, o.stage, f.code, f.raised_at AS since,
	   date_trunc('minute', now() - f.raised_at) AS open_for, f.detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL
   AND f.code IN ('payment_overdue', 'pick_behind_schedule', 'pick_overdue', 'transit_stalled')
   AND o.stage NOT IN ('cancelled', 'completed', 'delivered', 'returned');
COMMENT ON VIEW ordertrack.sla_breaches IS
	'Open deadline flags (payment_overdue, pick_behind_schedule, pick_overdue, transit_stalled) of orders still under way, with how long they have been open';

CREATE VIEW ordertrack.board AS
SELECT o.shop, o.stage, count(*)::integer AS orders,
	   count(*) FILTER (WHERE EXISTS (SELECT FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
										AND f.severity = 'block' AND f.resolved_at IS NULL))::integer AS held,
	   count(*) FILTER (WHERE EXISTS (SELECT FROM ordertrack.sla_breaches b WHERE b.shop = o.shop AND b.order_id = o.order_id))::integer AS overdue,
	   min(o.created_at) AS oldest
  FROM ordertrack.orders o
 WHERE o.stage NOT IN ('cancelled', 'completed')
 GROUP BY o.shop, o.stage;
COMMENT ON VIEW ordertrack.board IS
	'Per shop and stage (orders still under way): how many orders, how many held by an open blocking flag, how many overdue (sla_breaches), and when the oldest was taken';

CREATE VIEW ordertrack.open_flags AS
SELECT f.shop, f.flag_id, f.order_id, o.external_ref, o.stage, f.severity, f.code,
	   date_trunc('minute', now() - f.raised_at) AS age, f.detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL
 ORDER BY f.shop, array_position(ARRAY['block', 'warn', 'info'], f.severity), f.raised_at, f.flag_id;
COMMENT ON VIEW ordertrack.open_flags IS
	'Open flags, blocking first, oldest first within a severity, with the order''s external ref and stage and how long each has been open';

CREATE VIEW ordertrack.carrier_scorecard AS
SELECT s.shop, s.carrier, c.name, s.province, s.shipped, s.delivered, s.judged,
	   round(s.on_time_rate * 100, 1) AS on_time_pct,
	   ordertrack.bar(s.on_time_rate, 1, 10) AS on_time,
	   s.median_days, s.p90_days, s.failed_attempts, s.lost, s.refreshed_at
  FROM ordertrack.carrier_scores s
  LEFT JOIN ordertrack.carriers c ON c.carrier = s.carrier
 ORDER BY s.shop, s.carrier, s.province;
COMMENT ON VIEW ordertrack.carrier_scorecard IS
	'How each carrier did per shop and province over ordertrack.scorecard_window: parcels, on-time share (a bar of 10), median and 90th-percentile days to delivery, failed attempts, lost (carrier_scores, refreshed by the sweep)';

-- Time in each stage: from entering it to leaving it, for the moves out of
-- it in the last 30 days.
CREATE VIEW ordertrack.stage_durations AS
WITH spans AS (
	SELECT h.shop, h.to_stage AS stage, h.changed_at AS entered,
		   lead(h.changed_at) OVER (PARTITION BY h.shop, h.order_id ORDER BY h.changed_at, h.change_id) AS left_at
	  FROM ordertrack.stage_history h
), per_stage AS (
	SELECT s.shop, s.stage, count(*)::integer AS moves,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.left_at - s.entered) AS median,
		   percentile_cont(0.9) WITHIN GROUP (ORDER BY s.left_at - s.entered) AS p90
	  FROM spans s
	 WHERE s.left_at >= now() - interval '30 days'
	 GROUP BY s.shop, s.stage
)
SELECT p.shop, p.stage, p.moves, date_trunc('second', p.median) AS median, date_trunc('second', p.p90) AS p90,
	   ordertrack.bar(extract(epoch FROM p.median), max(extract(epoch FROM p.p90)) OVER (PARTITION BY p.shop)) AS median_bar
  FROM per_stage p
 ORDER BY p.shop, p.stage;
COMMENT ON VIEW ordertrack.stage_durations IS
	'Per shop and stage: how many orders left it in the last 30 days, the median and 90th-percentile time they spent in it, and the median as a bar (against the shop''s longest p90)';

CREATE VIEW ordertrack.funnel AS
WITH days AS (
	SELECT o.shop, o.created_at::date AS day, count(*)::integer AS received,
		   count(*) FILTER (WHERE o.confirmed_at IS NOT NULL)::integer AS confirmed,
		   count(c.shipped_at)::integer AS shipped,
		   count(c.delivered_at)::integer AS delivered
	  FROM ordertrack.orders o
	  LEFT JOIN ordertrack.carrier_shipments c ON c.shop = o.shop AND c.order_id = o.order_id
	 WHERE o.created_at >= now() - interval '30 days'
	 GROUP BY 1, 2
)
SELECT d.shop, d.day, d.received, d.confirmed, d.shipped, d.delivered,
	   ordertrack.bar(d.delivered, d.received, 20) AS delivered_share
  FROM days d
 ORDER BY d.shop, d.day;
COMMENT ON VIEW ordertrack.funnel IS
	'Per shop and day the orders were taken (last 30 days): received, confirmed, shipped, delivered, and the delivered share as a bar';

CREATE VIEW ordertrack.merge_candidates AS
SELECT o.shop, o.account, o.address, count(*)::integer AS orders,
	   array_agg(o.order_id ORDER BY o.order_id) AS order_ids,
	   array_agg(o.external_ref ORDER BY o.order_id) AS external_refs
  FROM ordertrack.orders o
 WHERE o.stage IN ('received', 'review', 'confirmed', 'in_production', 'picking', 'packed')
 GROUP BY o.shop, o.account, o.address
HAVING count(*) > 1;
COMMENT ON VIEW ordertrack.merge_candidates IS
	'Unshipped orders of one account to one address (as typed): they could go in one parcel';

GRANT SELECT ON ordertrack.sla_breaches, ordertrack.board, ordertrack.open_flags, ordertrack.carrier_scorecard,
	ordertrack.stage_durations, ordertrack.funnel, ordertrack.merge_candidates TO PUBLIC;

-- Finding an order's events without reading the outbox: its block ranges
-- by order_id (orders' events are written close together in time).
CREATE INDEX events_order ON ordertrack.events USING brin (order_id int8_minmax_multi_ops);

CREATE FUNCTION ordertrack.timeline(order_id bigint)
	RETURNS TABLE (at timestamptz, what text, detail text, who text)
	LANGUAGE plpgsql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = ordertrack.order_shop(timeline.order_id) AND x.order_id = timeline.order_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	RETURN QUERY
	SELECT t.at, t.what, t.detail, t.who FROM (
		SELECT o.created_at AS at, 'taken' AS what, format('%s, account %s', o.external_ref, o.account) AS detail,
			   NULL::text AS who, 0 AS k, 0::bigint AS id
		UNION ALL
		SELECT h.changed_at, 'stage', h.from_stage || ' -> ' || h.to_stage || coalesce(': ' || h.reason, ''), h.actor, 1, h.change_id
		  FROM ordertrack.stage_history h WHERE h.shop = o.shop AND h.order_id = o.order_id
		UNION ALL
		SELECT f.raised_at, 'flag raised', format('%s (%s)%s', f.code, f.severity, coalesce(': ' || f.detail, '')), NULL, 2, f.flag_id
		  FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
		UNION ALL
		SELECT f.resolved_at, 'flag resolved', f.code || coalesce(': ' || f.resolution, ''), f.resolved_by, 3, f.flag_id
		  FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id AND f.resolved_at IS NOT NULL
		UNION ALL
		SELECT o.confirmed_at, 'carrier', (o.carrier_choice->>'carrier') || ' by rule ' || (o.carrier_choice->>'rule')
				|| coalesce('; passed over: ' || (SELECT string_agg(j->>'reason', '; ') FROM jsonb_array_elements(o.carrier_choice->'skipped') j), ''),
			   NULL, 4, 0
		 WHERE o.carrier_choice IS NOT NULL
		UNION ALL
		SELECT s.scanned_at, 'scan', s.status || CASE WHEN s.location <> '' THEN ' at ' || s.location ELSE '' END
				|| coalesce(': ' || s.detail, ''), o.carrier, 5, s.scan_id
		  FROM ordertrack.scans s WHERE s.shop = o.shop AND s.order_id = o.order_id
		UNION ALL
		SELECT e.created_at, 'event', e.topic || '/' || e.kind, NULL, 6, e.event_id
		  FROM ordertrack.events e WHERE e.shop = o.shop AND e.order_id = o.order_id
	) t
	ORDER BY t.at, t.k, t.id;
END
$$;
COMMENT ON FUNCTION ordertrack.timeline(bigint) IS
	'One order''s story in time order, for the customer-service desk: taken, stage changes (who and why), flags raised and resolved, the carrier chosen (and passed over), scans, events';
REVOKE ALL ON FUNCTION ordertrack.timeline(bigint) FROM PUBLIC;

-- What a customer may see of a parcel, given its tracking number and the
-- last four digits of the recipient's phone: one row, or none when the
-- digits do not match, the number is unknown or the digits are not four
-- digits (the same answer for each, after the same reads).
CREATE FUNCTION ordertrack.lookup(tracking_no ordertrack.tracking_no, phone_last4 text)
	RETURNS TABLE (stage ordertrack.stage, carrier text, last_scan text, last_scan_at timestamptz,
				   last_scan_location text, recipient text)
	LANGUAGE sql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT o.stage, o.carrier, s.status, s.scanned_at, nullif(s.location, ''),
		   left(o.recipient, 1) || repeat('*', greatest(char_length(o.recipient) - 1, 1))
	  FROM (SELECT lookup.tracking_no AS tn, lookup.phone_last4 AS last4) q
	  LEFT JOIN ordertrack.orders o ON o.tracking_no OPERATOR(ordertrack.=) q.tn
	  LEFT JOIN LATERAL (SELECT x.status, x.scanned_at, x.location FROM ordertrack.scans x
						  WHERE x.shop = o.shop AND x.order_id = o.order_id
						  ORDER BY x.scanned_at DESC, x.scan_id DESC LIMIT 1) s ON true
	 WHERE o.order_id IS NOT NULL
	   AND q.last4 ~ '^[0-9]{4}$'
	   AND right(regexp_replace(coalesce(o.phone_normalized, o.phone, ''), '[^0-9]', '', 'g'), 4) = q.last4
$$;
COMMENT ON FUNCTION ordertrack.lookup(ordertrack.tracking_no, text) IS
	'What a customer may see of a parcel: stage, carrier, the last scan (status, time, place) and the recipient masked (张*), only when the last four digits of the recipient''s phone match; no row otherwise';
REVOKE ALL ON FUNCTION ordertrack.lookup(ordertrack.tracking_no, text) FROM PUBLIC;
