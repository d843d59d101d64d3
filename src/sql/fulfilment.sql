/*
 * fulfilment.sql: confirmation and what follows it in the warehouse:
 * payment, the carriers, the rules that choose one and the carriers'
 * record (promises, shipments, scorecards), confirmation (the
 * tracking number and the hand-over to warehouse, workshop and logistics),
 * picking and shortages.  Carrier scans and feedback are in scans.sql.
 *
 * These functions run as the tables' owner (the caller needs EXECUTE only)
 * and move orders through the stage graph like any other change; their
 * moves are recorded as the session's user (or the setting ordertrack.actor).
 */

-- Carriers and the rules that choose one.
CREATE TABLE ordertrack.carriers (
	carrier text PRIMARY KEY CHECK (carrier OPERATOR(pg_catalog.<>) ''),
	name text NOT NULL,
	cold_chain boolean NOT NULL DEFAULT false,
	enabled boolean NOT NULL DEFAULT true,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'))
);
COMMENT ON TABLE ordertrack.carriers IS 'The carriers the shop ships with';
COMMENT ON COLUMN ordertrack.carriers.carrier IS 'Short code, e.g. SF';
COMMENT ON COLUMN ordertrack.carriers.name IS 'Full name, e.g. SF Express';
COMMENT ON COLUMN ordertrack.carriers.cold_chain IS 'Whether it carries chilled goods (foam box and ice packs)';
COMMENT ON COLUMN ordertrack.carriers.enabled IS 'Whether it is used';
COMMENT ON COLUMN ordertrack.carriers.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
INSERT INTO ordertrack.carriers (carrier, name, cold_chain, origin) VALUES
	('SF', 'SF Express', true, 'shipped'),
	('EMS', 'China Post EMS', false, 'shipped'),
	('JD', 'JD Logistics', true, 'shipped'),
	('ZTO', 'ZTO Express', false, 'shipped');

CREATE TABLE ordertrack.carrier_rules (
	priority integer PRIMARY KEY,
	requirement text NOT NULL CHECK (requirement IN ('cold_chain', 'remote', 'urgent', 'fragile', 'any')),
	carrier text NOT NULL,
	enabled boolean NOT NULL DEFAULT true,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'))
);
COMMENT ON TABLE ordertrack.carrier_rules IS
	'How choose_carrier picks: the enabled rule with the lowest priority whose requirement the order has, and whose carrier is enabled (and carries chilled goods when the order needs it)';
COMMENT ON COLUMN ordertrack.carrier_rules.priority IS 'Lower first';
COMMENT ON COLUMN ordertrack.carrier_rules.requirement IS
	'cold_chain, urgent, fragile (service requirements; urgent also from orders.urgent), remote (the region), any';
COMMENT ON COLUMN ordertrack.carrier_rules.carrier IS 'A carrier of ordertrack.carriers';
COMMENT ON COLUMN ordertrack.carrier_rules.enabled IS 'Whether the rule is used';
COMMENT ON COLUMN ordertrack.carrier_rules.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
INSERT INTO ordertrack.carrier_rules (priority, requirement, carrier, origin) VALUES
	(10, 'cold_chain', 'SF', 'shipped'),
	(20, 'remote', 'EMS', 'shipped'),
	(30, 'urgent', 'SF', 'shipped'),
	(100, 'any', 'ZTO', 'shipped');

CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.carriers
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carriers', 'carrier');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.carriers
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carriers');
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.carrier_rules
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carrier_rules', 'priority');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.carrier_rules
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.carrier_rules');
COMMENT ON TRIGGER settings_row_guard ON ordertrack.carriers IS
	'Edits make a row custom; an inserted row replaces the shipped one; shipped rows are switched off, not deleted';
COMMENT ON TRIGGER settings_no_truncate ON ordertrack.carriers IS 'Refuses TRUNCATE';
COMMENT ON TRIGGER settings_row_guard ON ordertrack.carrier_rules IS
	'Edits make a row custom; an inserted row replaces the shipped one; shipped rows are switched off, not deleted';
COMMENT ON TRIGGER settings_no_truncate ON ordertrack.carrier_rules IS 'Refuses TRUNCATE';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.carriers', 'WHERE origin = ''custom''');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.carrier_rules', 'WHERE origin = ''custom''');
GRANT SELECT ON ordertrack.carriers, ordertrack.carrier_rules TO PUBLIC;

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
	   ordertrack.remote_regions m JOIN ordertrack.regions r ON r.code = m.region_code
 WHERE m.origin = 'shipped' AND r.level = 1;
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
	IF NOT ordertrack.shop_visible(shops[1]) THEN
		RAISE EXCEPTION 'order % is not in a shop that role % sees', order_id, ordertrack.calling_role()
			USING ERRCODE = '42501', HINT = 'ordertrack.shop_roles binds roles to shops.';
	END IF;
	RETURN shops[1];
END
$$;
COMMENT ON FUNCTION ordertrack.order_shop(bigint) IS
	'Used by the order functions: the shop of the order with this order_id (42704 when there is none, 21000 when orders of several shops have it, 42501 when the calling role does not see its shop)';
REVOKE ALL ON FUNCTION ordertrack.order_shop(bigint) FROM PUBLIC;

-- The order, locked; an error when there is none.
CREATE FUNCTION ordertrack.order_for_update(order_id bigint) RETURNS ordertrack.orders
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
COMMENT ON FUNCTION ordertrack.order_for_update(bigint) IS 'Used by the order functions: the order, locked (42704 when there is none, 21000 when the order_id is ambiguous)';
REVOKE ALL ON FUNCTION ordertrack.order_for_update(bigint) FROM PUBLIC;

-- Who the order functions record as making a move.
CREATE FUNCTION ordertrack.acting_user() RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(nullif(current_setting('ordertrack.actor', true), ''), session_user::text)
$$;
COMMENT ON FUNCTION ordertrack.acting_user() IS
	'Used by the order functions: the setting ordertrack.actor, else the session''s user';

-- The ERP's way to call an order off: advance() to cancelled, as the
-- session's user (or ordertrack.actor), without the right to every move.
CREATE FUNCTION ordertrack.cancel(order_id bigint, reason text) RETURNS ordertrack.stage
	LANGUAGE sql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ordertrack.advance(cancel.order_id, 'cancelled', cancel.reason, ordertrack.acting_user())
$$;
COMMENT ON FUNCTION ordertrack.cancel(bigint, text) IS
	'Cancels an order (advance() to cancelled, SQLSTATE 55000 where the stage graph does not allow it), recording the reason and the session''s user (or ordertrack.actor); returns the stage';
REVOKE ALL ON FUNCTION ordertrack.cancel(bigint, text) FROM PUBLIC;

CREATE FUNCTION ordertrack.mark_paid(order_id bigint, paid_at timestamptz DEFAULT now()) RETURNS timestamptz
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders := ordertrack.order_for_update(order_id);
BEGIN
	IF paid_at IS NULL THEN
		RAISE EXCEPTION 'paid_at must not be null' USING ERRCODE = '22004';
	END IF;
	IF o.paid_at IS NOT NULL THEN
		RETURN o.paid_at;		-- paid already: the first payment counts
	END IF;
	IF o.stage = 'cancelled' THEN
		RAISE EXCEPTION 'order % is cancelled', order_id USING ERRCODE = '55000',
			HINT = 'A payment for a cancelled order is refunded, not recorded.';
	END IF;
	UPDATE ordertrack.orders x SET paid_at = mark_paid.paid_at WHERE x.shop = o.shop AND x.order_id = o.order_id;
	PERFORM ordertrack.publish(o.shop, o.order_id, 'customer', 'order_paid',
		jsonb_build_object('order_id', o.order_id, 'external_ref', o.external_ref, 'paid_at', paid_at));
	RETURN paid_at;
END
$$;
COMMENT ON FUNCTION ordertrack.mark_paid(bigint, timestamptz) IS
	'Records that the order is paid (once: a second call returns the first payment''s time) and publishes order_paid to customer';

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
COMMENT ON FUNCTION ordertrack.carrier_choice(bigint) IS
	'How choose_carrier chooses: {"carrier", "rule" (its priority), "requirement", "skipped": [{"carrier", "rule", "on_time_rate", "judged", "reason"}]}. A rule''s carrier is skipped when its on-time rate in the order''s province is under ordertrack.min_on_time_rate over at least ordertrack.min_scorecard_sample judged parcels (carrier_scores); when every one is, the first rule''s carrier, with "all_late"';

CREATE FUNCTION ordertrack.choose_carrier(order_id bigint) RETURNS text
	LANGUAGE sql STABLE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ordertrack.carrier_choice(order_id)->>'carrier'
$$;
COMMENT ON FUNCTION ordertrack.choose_carrier(bigint) IS
	'The carrier for an order by ordertrack.carrier_rules: by default cold chain -> SF, remote region -> EMS, urgent -> SF, else ZTO; a cold-chain order only goes with a carrier that carries chilled goods; a carrier late in the order''s province is passed over for the next rule (see carrier_choice)';

CREATE FUNCTION ordertrack.confirm(order_id bigint) RETURNS ordertrack.tracking_no
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
COMMENT ON FUNCTION ordertrack.confirm(bigint) IS
	'Confirms an order in received (or in review with no open blocking flag) that is paid or cash on delivery: issues its tracking number, chooses the carrier, moves it to confirmed and publishes pick_requested (warehouse), production_requested (production, for customised lines) and waybill_requested (logistics). Confirming again returns the same number';

CREATE FUNCTION ordertrack.record_pick(order_id bigint, sku text, quantity integer) RETURNS numeric
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
COMMENT ON FUNCTION ordertrack.record_pick(bigint, text, integer) IS
	'Records picked units of a SKU (never more than ordered): moves a confirmed or in_production order to picking, keeps the picked count per line and the progress per order (returned, 0 to 1), publishes pick_completed (warehouse) when all is picked';

CREATE FUNCTION ordertrack.report_shortage(order_id bigint, sku text, available integer) RETURNS bigint
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o ordertrack.orders := ordertrack.order_for_update(order_id);
	ordered bigint;
	flag bigint;
BEGIN
	IF available IS NULL OR available < 0 THEN
		RAISE EXCEPTION 'available must be 0 or more, not %', coalesce(available::text, 'NULL') USING ERRCODE = '22023';
	END IF;
	SELECT sum(x.quantity) INTO ordered
	  FROM ordertrack.order_lines x WHERE x.shop = o.shop AND x.order_id = o.order_id AND x.sku = report_shortage.sku;
	IF ordered IS NULL THEN
		RAISE EXCEPTION 'order % has no line with SKU %', order_id, coalesce(sku, 'NULL') USING ERRCODE = '42704';
	END IF;
	IF available >= ordered THEN
		RAISE EXCEPTION 'no shortage: % of SKU % available, % ordered', available, sku, ordered USING ERRCODE = '22023';
	END IF;
	-- to review first (an error when the graph does not allow it), then the flag that holds it there
	PERFORM ordertrack.advance(order_id, 'review', format('stock short: %s', sku), ordertrack.acting_user());
	flag := ordertrack.raise_flag(o.shop, o.order_id, 'stock_short',
								  format('SKU %s: %s ordered, %s on the shelf', sku, ordered, available));
	RETURN flag;
END
$$;
COMMENT ON FUNCTION ordertrack.report_shortage(bigint, text, integer) IS
	'The shelf lacks stock the system showed: raises the blocking flag stock_short (published to alerts) and moves the order to review; returns the flag''s id';
REVOKE ALL ON FUNCTION ordertrack.mark_paid(bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.carrier_choice(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.choose_carrier(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.confirm(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.record_pick(bigint, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.report_shortage(bigint, text, integer) FROM PUBLIC;
