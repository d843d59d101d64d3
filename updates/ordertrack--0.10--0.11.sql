/*
 * ordertrack 0.10 -> 0.11: Citus.  distribute() spreads the tables over a
 * Citus cluster by shop (the catalogue and settings as reference tables)
 * and gives every worker the tracking-number key, its own issuer and a
 * range of row ids; the order functions name the shop before they lock or
 * write; a move's actor, reason and role are written with it
 * (orders.stage_move), so that a worker's stage history records them;
 * order_columns_guard compares tracking numbers with the operator named, so
 * that a worker can create the trigger on a shard.
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.11'" to load this file. \quit

-- Who made a move and why, written with the move (as src/sql/orders.sql has it).
ALTER TABLE ordertrack.orders ADD COLUMN stage_move jsonb;
COMMENT ON COLUMN ordertrack.orders.stage_move IS
	'Who made the last move by an ordertrack function (advance, resolve_flag, intake), why, and as which role: written with the move, so that the stage history records them wherever the row lives (a Citus worker); set by ordertrack only';

DROP TRIGGER order_columns_guard ON ordertrack.orders;
CREATE TRIGGER order_columns_guard AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.intake_checked_at IS DISTINCT FROM NEW.intake_checked_at
					   OR (OLD.tracking_no IS NULL) <> (NEW.tracking_no IS NULL)
					   OR OLD.tracking_no OPERATOR(ordertrack.<>) NEW.tracking_no
					   OR OLD.carrier IS DISTINCT FROM NEW.carrier OR OLD.stage_move IS DISTINCT FROM NEW.stage_move)
	EXECUTE FUNCTION ordertrack.order_columns_guard();
COMMENT ON TRIGGER order_columns_guard ON ordertrack.orders IS
	'Only intake and confirm() set intake_checked_at, tracking_no and carrier, and only ordertrack stage_move';
COMMENT ON FUNCTION ordertrack.order_columns_guard() IS
	'Trigger AFTER UPDATE on orders: refuses (42501) a change of intake_checked_at, tracking_no, carrier or stage_move by a role other than the tables'' owner, unless ordertrack.restoring is on';

-- Functions that name the shop before they lock or write (as src/sql/ has them).
CREATE OR REPLACE FUNCTION ordertrack.submit_order("order" jsonb) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r ordertrack.orders := jsonb_populate_record(NULL::ordertrack.orders, "order");
	id bigint;
BEGIN
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

CREATE OR REPLACE FUNCTION ordertrack.order_for_update(order_id bigint) RETURNS ordertrack.orders
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
	-- the shop first: the lock then names it (on Citus, one shard's row)
	s text := ordertrack.order_shop(order_for_update.order_id);
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = s AND x.order_id = order_for_update.order_id
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	RETURN o;
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
	shops text[];
	shipment record;
	due timestamptz;
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
	-- the shops first: the lock then names one (on Citus, one shard's row)
	SELECT array_agg(DISTINCT x.shop) INTO shops FROM ordertrack.orders x
	 WHERE x.tracking_no OPERATOR(ordertrack.=) record_scan.tracking_no;
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = shops[1] AND x.tracking_no OPERATOR(ordertrack.=) record_scan.tracking_no FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no order has tracking number %', tracking_no USING ERRCODE = '42704',
			HINT = 'Tracking numbers are issued by ordertrack.confirm(order_id).';
	END IF;
	IF NOT ordertrack.shop_visible(o.shop) THEN
		RAISE EXCEPTION 'tracking number % is not in a shop that role % sees', tracking_no, ordertrack.calling_role()
			USING ERRCODE = '42501', HINT = 'ordertrack.shop_roles binds roles to shops.';
	END IF;
	-- (two shops' orders with one number: only a restore of bad data gives that)
	IF cardinality(shops) > 1 THEN
		RAISE EXCEPTION 'orders of several shops have tracking number %', tracking_no USING ERRCODE = '21000',
			HINT = 'Give all but one of them another number (UPDATE with ordertrack.restoring = on).';
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
		-- (read, then insert or update: on Citus an upsert may not compute
		-- its update; the order's lock keeps other scans of it out)
		SELECT c.shipped_at, c.due_at INTO shipment FROM ordertrack.carrier_shipments c
		 WHERE c.shop = o.shop AND c.order_id = o.order_id;
		IF NOT FOUND THEN
			due := at + make_interval(days => coalesce((SELECT p.days FROM ordertrack.carrier_promises p
														 WHERE p.carrier = o.carrier AND p.province IN (o.province, '*')
														 ORDER BY p.province = '*' LIMIT 1), 3));
			INSERT INTO ordertrack.carrier_shipments (shop, order_id, carrier, province, shipped_at, due_at)
			VALUES (o.shop, o.order_id, o.carrier, o.province, at, due);
		ELSIF at < shipment.shipped_at THEN
			due := at + (shipment.due_at - shipment.shipped_at);
			UPDATE ordertrack.carrier_shipments c SET shipped_at = record_scan.at, due_at = due
			 WHERE c.shop = o.shop AND c.order_id = o.order_id;
		END IF;
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

CREATE OR REPLACE FUNCTION ordertrack.carrier_choice(order_id bigint) RETURNS jsonb
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
	-- the shop first: the read then names it (on Citus, one shard's row)
	in_shop text := ordertrack.order_shop(carrier_choice.order_id);
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = in_shop AND x.order_id = carrier_choice.order_id;
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

CREATE OR REPLACE FUNCTION ordertrack.timeline(order_id bigint)
	RETURNS TABLE (at timestamptz, what text, detail text, who text)
	LANGUAGE plpgsql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders;
	-- the shop first: the reads then name it (on Citus, one shard's rows)
	in_shop text := ordertrack.order_shop(timeline.order_id);
BEGIN
	SELECT * INTO o FROM ordertrack.orders x
	 WHERE x.shop = in_shop AND x.order_id = timeline.order_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % does not exist', coalesce(order_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	RETURN QUERY
	SELECT t.at, t.what, t.detail, t.who FROM (
		SELECT o.created_at AS at, 'taken' AS what, ordertrack.masked('taken', format('%s, account %s', o.external_ref, o.account)) AS detail,
			   NULL::text AS who, 0 AS k, 0::bigint AS id
		UNION ALL
		SELECT h.changed_at, 'stage', h.from_stage || ' -> ' || h.to_stage || coalesce(': ' || ordertrack.masked('stage', h.reason), ''), h.actor, 1, h.change_id
		  FROM ordertrack.stage_history h WHERE h.shop = o.shop AND h.order_id = o.order_id
		UNION ALL
		SELECT f.raised_at, 'flag raised', format('%s (%s)%s', f.code, f.severity, coalesce(': ' || ordertrack.masked(f.code, f.detail), '')), NULL, 2, f.flag_id
		  FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
		UNION ALL
		SELECT f.resolved_at, 'flag resolved', f.code || coalesce(': ' || ordertrack.masked(f.code, f.resolution), ''), f.resolved_by, 3, f.flag_id
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

-- Deleting orders deletes their flags, history and scans on a Citus worker
-- too (as src/sql/orders.sql has it); the sweep locks each order by its shop
-- (as src/sql/deadlines.sql has it).
CREATE OR REPLACE FUNCTION ordertrack.order_deleted() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_deleted' LANGUAGE C;

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

-- (as src/sql/distribute.sql has it)
-- The tables, by how they are spread.
CREATE FUNCTION ordertrack.distribution_plan(OUT table_name text, OUT kind text)
	RETURNS SETOF record
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t, 'per shop' FROM unnest(ARRAY['orders', 'order_lines', 'flags', 'events', 'stage_history', 'scans',
											'carrier_shipments', 'carrier_scores', 'customer_notes', 'blacklist']) t
	UNION ALL
	SELECT t, 'reference' FROM unnest(ARRAY['products', 'flag_codes', 'regions', 'remote_regions',
											 'address_unit_keywords', 'special_request_keywords', 'stage_transitions',
											 'carriers', 'carrier_rules', 'carrier_promises', 'shop_roles']) t
$$;
COMMENT ON FUNCTION ordertrack.distribution_plan() IS
	'How distribute() spreads the tables on Citus: per shop (distributed by shop, colocated with orders) or reference (a copy on every node); the other tables stay on the coordinator';
REVOKE ALL ON FUNCTION ordertrack.distribution_plan() FROM PUBLIC;

-- On a worker: takes the group's tracking-number key, issuing as this
-- node's Citus group id (before the node issues any number; a node that has
-- issued with another key or issuer is refused by tracking_secret_guard),
-- and draws the ids of the rows it writes from group id * 2^48 on, as
-- Citus numbers sequences on workers, so that no two nodes give one id.
CREATE FUNCTION ordertrack.join_node(secret bytea) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	here integer;
	mine record;
	seq regclass;
	done text;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
		RAISE EXCEPTION 'this database is not a node of a Citus cluster' USING ERRCODE = '55000';
	END IF;
	EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO here;
	IF here >= 1024 THEN
		RAISE EXCEPTION 'this node''s Citus group id % is beyond the 1024 issuers of tracking numbers', here
			USING ERRCODE = '54000', HINT = 'Give the node an issuer below 1024 by hand: see the README, several databases issuing.';
	END IF;
	SELECT t.secret, t.issuer INTO mine FROM ordertrack.tracking_secret t;
	IF mine.secret = join_node.secret AND mine.issuer = here THEN
		done := format('issuer %s, key kept', here);
	ELSE
		INSERT INTO ordertrack.tracking_secret (secret, issuer) VALUES (join_node.secret, here);
		done := format('issuer %s, key taken', here);
	END IF;
	IF here > 0 THEN
		FOR seq IN SELECT pg_get_serial_sequence(format('ordertrack.%I', p.table_name), a.attname)::regclass
					 FROM ordertrack.distribution_plan() p
					 JOIN pg_attribute a ON a.attrelid = format('ordertrack.%I', p.table_name)::regclass
					WHERE p.kind = 'per shop' AND a.attidentity <> '' LOOP
			IF coalesce((SELECT s.last_value FROM pg_sequences s
						  WHERE format('%I.%I', s.schemaname, s.sequencename)::regclass = seq), 0) < (here::bigint << 48) THEN
				PERFORM setval(seq, (here::bigint << 48) + 1, false);
			END IF;
		END LOOP;
	END IF;
	RETURN done;
END
$$;
COMMENT ON FUNCTION ordertrack.join_node(bytea) IS
	'Used by distribute() on each Citus worker: takes the group''s tracking-number key, issues as the node''s group id, and draws row ids from group id * 2^48 (55000 off Citus, 54000 beyond 1024 groups; refused once the node has issued with another key or issuer)';
REVOKE ALL ON FUNCTION ordertrack.join_node(bytea) FROM PUBLIC;

CREATE FUNCTION ordertrack.distribute() RETURNS TABLE (object text, done text)
	LANGUAGE plpgsql
	-- an empty path: Citus copies the tables' triggers and indexes to the
	-- workers as their definitions print here, with every name qualified
	SET search_path = pg_catalog, pg_temp
	-- (and Citus's notices on each table copied are left out)
	SET client_min_messages = warning
AS $$
DECLARE
	p record;
	r record;
	key bytea;
	coordinator boolean;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'Citus is not installed in this database' USING ERRCODE = '55000',
			HINT = 'Preload citus before ordertrack (shared_preload_libraries = ''citus,ordertrack''), CREATE EXTENSION citus, add the workers, then distribute().';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
	IF NOT coordinator THEN
		RAISE EXCEPTION 'distribute() runs on the coordinator' USING ERRCODE = '55000',
			HINT = 'On a single node, SELECT citus_set_coordinator_host(...) first.';
	END IF;
	-- the tables have triggers, which Citus copies to every shard
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);

	FOR p IN SELECT * FROM ordertrack.distribution_plan() LOOP
		IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = format('ordertrack.%I', p.table_name)::regclass) THEN
			CONTINUE;
		END IF;
		IF p.kind = 'per shop' THEN
			PERFORM create_distributed_table(format('ordertrack.%I', p.table_name), 'shop',
				colocate_with => CASE p.table_name WHEN 'orders' THEN 'default' ELSE 'ordertrack.orders' END);
			object := p.table_name; done := 'distributed by shop'; RETURN NEXT;
		ELSE
			-- the rows are copied as they are: shipped rows stay shipped
			EXECUTE format('ALTER TABLE ordertrack.%I DISABLE TRIGGER USER', p.table_name);
			PERFORM create_reference_table(format('ordertrack.%I', p.table_name));
			EXECUTE format('ALTER TABLE ordertrack.%I ENABLE TRIGGER USER', p.table_name);
			object := p.table_name; done := 'reference table'; RETURN NEXT;
		END IF;
	END LOOP;

	-- every worker issues tracking numbers with this key, as its group id,
	-- and draws row ids from a range of its own
	SELECT t.secret INTO key FROM ordertrack.tracking_secret t;
	FOR r IN EXECUTE format('SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers(%L)',
							format('SELECT ordertrack.join_node(%L::bytea)', key)) LOOP
		IF NOT r.success THEN
			RAISE EXCEPTION 'node %:% could not take the tracking-number key: %', r.nodename, r.nodeport, r.result
				USING ERRCODE = '55000',
				HINT = 'A node that has issued tracking numbers with a key of its own cannot join; install ordertrack afresh there.';
		END IF;
		object := format('node %s:%s', r.nodename, r.nodeport); done := r.result; RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION ordertrack.distribute() IS
	'On a Citus coordinator: distributes the per-shop tables by shop, colocated with orders, makes the catalogue and settings tables reference tables, and gives every worker the tracking-number key with its group id as issuer and a range of row ids; run again after adding a node (55000 without Citus or off the coordinator)';
REVOKE ALL ON FUNCTION ordertrack.distribute() FROM PUBLIC;
