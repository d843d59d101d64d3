/*
 * ordertrack 0.9 -> 0.10: trust.  Six NOLOGIN duties carry every privilege
 * and PUBLIC keeps none (not the schema, the settings tables or the
 * reports); the reports mask personal data for all but the admin duty;
 * cancel() for the ERP; per-shop access (shop_roles, row-level policies,
 * the order functions and the reports asking shop_visible).  No writer sets
 * intake_checked_at, tracking_no or carrier; a line added to a checked
 * order is checked, or refused once the order is confirmed; a tracking
 * number is one order's in its shop; an order's flags of one code stop at
 * five.
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.10'" to load this file. \quit
-- Per-shop access (as src/sql/shop_access.sql has it).
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

-- An order in a shop the calling role does not see is refused.
CREATE OR REPLACE FUNCTION ordertrack.order_shop(order_id bigint) RETURNS text
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

-- Personal data in the reports: the admin duty (and a superuser) reads it
-- as written; everyone else reads a flag's or a move's text with what was
-- quoted from the order, and the account, replaced by ***.
CREATE FUNCTION ordertrack.sees_personal_data() RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_has_role(ordertrack.calling_role(), 'ordertrack_admin', 'USAGE')
$$;
COMMENT ON FUNCTION ordertrack.sees_personal_data() IS
	'Whether the calling role (as SET ROLE left it) reads personal data unmasked in the reports: members of ordertrack_admin and superusers';

CREATE FUNCTION ordertrack.masked(code text, detail text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN detail IS NULL OR ordertrack.sees_personal_data() THEN detail
		WHEN code IN ('blacklisted', 'customer_history', 'customization') THEN '***'
		ELSE regexp_replace(regexp_replace(detail, '"[^"]*"', '"***"', 'g'), '([Aa]ccount) [^ ,;]+', '\1 ***', 'g')
	END
$$;
COMMENT ON FUNCTION ordertrack.masked(text, text) IS
	'A flag''s or a move''s detail as the calling role may read it: as written for ordertrack_admin, else with quoted order data and the account replaced by *** (the whole text for blacklisted, customer_history and customization)';

-- The reports: the shops the role sees, personal data masked.
CREATE OR REPLACE VIEW ordertrack.sla_breaches AS
SELECT f.shop, f.order_id, o.external_ref, o.stage, f.code, f.raised_at AS since,
	   date_trunc('minute', now() - f.raised_at) AS open_for, ordertrack.masked(f.code, f.detail) AS detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL AND ordertrack.shop_visible(f.shop)
   AND f.code IN ('payment_overdue', 'pick_behind_schedule', 'pick_overdue', 'transit_stalled')
   AND o.stage NOT IN ('cancelled', 'completed', 'delivered', 'returned');

CREATE OR REPLACE VIEW ordertrack.board AS
SELECT o.shop, o.stage, count(*)::integer AS orders,
	   count(*) FILTER (WHERE EXISTS (SELECT FROM ordertrack.flags f WHERE f.shop = o.shop AND f.order_id = o.order_id
										AND f.severity = 'block' AND f.resolved_at IS NULL))::integer AS held,
	   count(*) FILTER (WHERE EXISTS (SELECT FROM ordertrack.sla_breaches b WHERE b.shop = o.shop AND b.order_id = o.order_id))::integer AS overdue,
	   min(o.created_at) AS oldest
  FROM ordertrack.orders o
 WHERE o.stage NOT IN ('cancelled', 'completed') AND ordertrack.shop_visible(o.shop)
 GROUP BY o.shop, o.stage;

CREATE OR REPLACE VIEW ordertrack.open_flags AS
SELECT f.shop, f.flag_id, f.order_id, o.external_ref, o.stage, f.severity, f.code,
	   date_trunc('minute', now() - f.raised_at) AS age, ordertrack.masked(f.code, f.detail) AS detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL AND ordertrack.shop_visible(f.shop)
 ORDER BY f.shop, array_position(ARRAY['block', 'warn', 'info'], f.severity), f.raised_at, f.flag_id;

CREATE OR REPLACE VIEW ordertrack.carrier_scorecard AS
SELECT s.shop, s.carrier, c.name, s.province, s.shipped, s.delivered, s.judged,
	   round(s.on_time_rate * 100, 1) AS on_time_pct,
	   ordertrack.bar(s.on_time_rate, 1, 10) AS on_time,
	   s.median_days, s.p90_days, s.failed_attempts, s.lost, s.refreshed_at
  FROM ordertrack.carrier_scores s
  LEFT JOIN ordertrack.carriers c ON c.carrier = s.carrier
 WHERE ordertrack.shop_visible(s.shop)
 ORDER BY s.shop, s.carrier, s.province;

CREATE OR REPLACE VIEW ordertrack.stage_durations AS
WITH spans AS (
	SELECT h.shop, h.to_stage AS stage, h.changed_at AS entered,
		   lead(h.changed_at) OVER (PARTITION BY h.shop, h.order_id ORDER BY h.changed_at, h.change_id) AS left_at
	  FROM ordertrack.stage_history h
	 WHERE ordertrack.shop_visible(h.shop)
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

CREATE OR REPLACE VIEW ordertrack.funnel AS
WITH days AS (
	SELECT o.shop, o.created_at::date AS day, count(*)::integer AS received,
		   count(*) FILTER (WHERE o.confirmed_at IS NOT NULL)::integer AS confirmed,
		   count(c.shipped_at)::integer AS shipped,
		   count(c.delivered_at)::integer AS delivered
	  FROM ordertrack.orders o
	  LEFT JOIN ordertrack.carrier_shipments c ON c.shop = o.shop AND c.order_id = o.order_id
	 WHERE o.created_at >= now() - interval '30 days' AND ordertrack.shop_visible(o.shop)
	 GROUP BY 1, 2
)
SELECT d.shop, d.day, d.received, d.confirmed, d.shipped, d.delivered,
	   ordertrack.bar(d.delivered, d.received, 20) AS delivered_share
  FROM days d
 ORDER BY d.shop, d.day;

CREATE OR REPLACE VIEW ordertrack.merge_candidates AS
SELECT o.shop,
	   CASE WHEN ordertrack.sees_personal_data() THEN o.account ELSE '***' END AS account,
	   CASE WHEN ordertrack.sees_personal_data() THEN o.address
			ELSE min(concat(o.province, o.city, o.district)) || ' ***' END AS address,
	   count(*)::integer AS orders,
	   array_agg(o.order_id ORDER BY o.order_id) AS order_ids,
	   array_agg(o.external_ref ORDER BY o.order_id) AS external_refs
  FROM ordertrack.orders o
 WHERE o.stage IN ('received', 'review', 'confirmed', 'in_production', 'picking', 'packed')
   AND ordertrack.shop_visible(o.shop)
 GROUP BY o.shop, o.account, o.address
HAVING count(*) > 1;

CREATE OR REPLACE FUNCTION ordertrack.timeline(order_id bigint)
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

CREATE OR REPLACE FUNCTION ordertrack.lookup(tracking_no ordertrack.tracking_no, phone_last4 text)
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
	 WHERE o.order_id IS NOT NULL AND ordertrack.shop_visible(o.shop)
	   AND q.last4 ~ '^[0-9]{4}$'
	   AND right(regexp_replace(coalesce(o.phone_normalized, o.phone, ''), '[^0-9]', '', 'g'), 4) = q.last4
$$;

-- A scan of a number in a shop the role does not see, or of a number that
-- orders of two shops have, is refused.
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
	IF NOT ordertrack.shop_visible(o.shop) THEN
		RAISE EXCEPTION 'tracking number % is not in a shop that role % sees', tracking_no, ordertrack.calling_role()
			USING ERRCODE = '42501', HINT = 'ordertrack.shop_roles binds roles to shops.';
	END IF;
	-- (two shops' orders with one number: only a restore of bad data gives that)
	IF EXISTS (SELECT FROM ordertrack.orders x WHERE x.tracking_no OPERATOR(ordertrack.=) record_scan.tracking_no
				 AND x.shop IS DISTINCT FROM o.shop) THEN
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

-- poll gives the shops the calling role sees.
CREATE OR REPLACE FUNCTION ordertrack.poll(consumer text, max integer DEFAULT 100) RETURNS SETOF ordertrack.events
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c ordertrack.consumers;
	e ordertrack.events;
	after bigint;
	last bigint := 0;
	fresh boolean := false;
BEGIN
	IF consumer IS NULL OR consumer = '' THEN
		RAISE EXCEPTION 'a consumer needs a name' USING ERRCODE = '22023';
	END IF;
	IF max IS NULL OR max < 1 THEN
		RAISE EXCEPTION 'max must be at least 1, not %', coalesce(max::text, 'NULL') USING ERRCODE = '22023';
	END IF;
	PERFORM ordertrack.outbox_rebase();
	-- a consumer that never subscribed gets every topic, from the oldest retained event
	INSERT INTO ordertrack.consumers (consumer, owner) VALUES (poll.consumer, ordertrack.calling_role())
	ON CONFLICT DO NOTHING;
	SELECT * INTO c FROM ordertrack.consumers k WHERE k.consumer = poll.consumer FOR UPDATE;
	PERFORM ordertrack.consumer_access(consumer, c.owner);
	after := c.acked_id;
	LOOP
		IF c.batch IS NULL THEN
			-- the next batch: what became visible since the last one (not this transaction's own events)
			c.batch := ordertrack.snapshot_without(pg_current_snapshot(), pg_current_xact_id_if_assigned());
			after := 0;
			c.given_id := 0;
			fresh := true;
			-- the ids it spans, found once through the block-range index on xact_id
			SELECT min(v.event_id), max(v.event_id) INTO c.batch_low, c.batch_high
			  FROM ordertrack.events v
			 WHERE v.xact_id < pg_snapshot_xmax(c.batch)
			   AND (c.done IS NULL OR v.xact_id >= pg_snapshot_xmin(c.done))
			   AND pg_visible_in_snapshot(v.xact_id, c.batch)
			   AND (c.done IS NULL OR NOT pg_visible_in_snapshot(v.xact_id, c.done));
		END IF;
		-- the batch after the last acknowledged event, in id order through the primary key:
		-- what was handed out and not acknowledged comes again
		IF c.batch_low IS NOT NULL THEN
			FOR e IN SELECT * FROM ordertrack.events v
					  WHERE v.event_id > greatest(after, c.batch_low - 1) AND v.event_id <= c.batch_high
						AND pg_visible_in_snapshot(v.xact_id, c.batch)
						AND (c.done IS NULL OR NOT pg_visible_in_snapshot(v.xact_id, c.done))
						AND (c.topics IS NULL OR v.topic = ANY (c.topics))
						AND ordertrack.shop_visible(v.shop)
					  ORDER BY v.event_id
					  LIMIT max LOOP
				last := e.event_id;
				RETURN NEXT e;
			END LOOP;
		END IF;
		EXIT WHEN last > 0 OR fresh;
		-- the batch is acknowledged in full: it is done
		c.done := c.batch;
		c.batch := NULL;
	END LOOP;
	UPDATE ordertrack.consumers k
	   SET done = c.done, batch = c.batch, batch_low = c.batch_low, batch_high = c.batch_high,
		   acked_id = CASE WHEN fresh THEN 0 ELSE k.acked_id END,
		   given_id = greatest(c.given_id, last), polled_at = now()
	 WHERE k.consumer = poll.consumer;
END
$$;
COMMENT ON FUNCTION ordertrack.poll(text, integer) IS
	'Up to max events after the consumer''s acknowledged position, oldest first, in batches of what committed between two polls; events handed out and not acknowledged come again; only the shops the calling role sees (ordertrack.shop_roles)';

-- One order per tracking number in a shop.  Orders that share one (a
-- writer could set it before 0.10) stop the update: the message names them.
DO $$
DECLARE
	shared text;
BEGIN
	SELECT string_agg(format('%s (shop %s, orders %s)', t.tracking_no, t.shop, t.ids), '; ') INTO shared
	  FROM (SELECT o.tracking_no::text, o.shop, string_agg(o.order_id::text, ', ' ORDER BY o.order_id) AS ids
			  FROM ordertrack.orders o WHERE o.tracking_no IS NOT NULL
			 GROUP BY 1, 2 HAVING count(*) > 1) t;
	IF shared IS NOT NULL THEN
		RAISE EXCEPTION 'orders of one shop share tracking numbers: %', shared USING ERRCODE = '23505',
			HINT = 'Set tracking_no to NULL on all but the order that the carrier has (they are confirmed again), then update.';
	END IF;
END
$$;
DROP INDEX ordertrack.orders_tracking_no;
CREATE UNIQUE INDEX orders_tracking_no ON ordertrack.orders (tracking_no, shop) WHERE tracking_no IS NOT NULL;

-- What no writer may do, whatever it was granted: set the columns that
-- intake and confirm() set (they run as the tables' owner), or add a line
-- that intake does not check.  AFTER with a WHEN for orders (no row lock
-- for other updates); for lines, the lines of an order this transaction
-- inserted pass without a read.
CREATE FUNCTION ordertrack.order_columns_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_columns_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_columns_guard() IS
	'Trigger AFTER UPDATE on orders: refuses (42501) a change of intake_checked_at, tracking_no or carrier by a role other than the tables'' owner, unless ordertrack.restoring is on';
CREATE TRIGGER order_columns_guard AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.intake_checked_at IS DISTINCT FROM NEW.intake_checked_at
					   OR OLD.tracking_no IS DISTINCT FROM NEW.tracking_no OR OLD.carrier IS DISTINCT FROM NEW.carrier)
	EXECUTE FUNCTION ordertrack.order_columns_guard();
COMMENT ON TRIGGER order_columns_guard ON ordertrack.orders IS
	'Only intake and confirm() set intake_checked_at, tracking_no and carrier';
CREATE FUNCTION ordertrack.order_line_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_line_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_line_guard() IS
	'Trigger AFTER INSERT on order_lines: a line added to an order that intake has checked is checked with the order''s lines while the order is in received or review, and refused (55000) later, unless ordertrack.restoring is on';
CREATE TRIGGER order_line_guard AFTER INSERT ON ordertrack.order_lines
	FOR EACH ROW EXECUTE FUNCTION ordertrack.order_line_guard();
COMMENT ON TRIGGER order_line_guard ON ordertrack.order_lines IS
	'Every line is checked by intake: one added to a checked order with the order''s lines, until the order is confirmed';

-- The duties and the policies (as src/sql/duties.sql has them).
DO $$
DECLARE
	duty text;
BEGIN
	FOREACH duty IN ARRAY ARRAY['ordertrack_erp', 'ordertrack_warehouse', 'ordertrack_logistics',
								'ordertrack_service', 'ordertrack_consumer', 'ordertrack_admin'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) duty) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', duty);
		END IF;
	END LOOP;
END
$$;
COMMENT ON ROLE ordertrack_erp IS
	'ordertrack duty: the ERP submits orders and lines, corrects recipients, phones and addresses, marks paid, confirms and cancels';
COMMENT ON ROLE ordertrack_warehouse IS
	'ordertrack duty: the warehouse and the workshop read lines and orders (without personal data), record picks and shortages and move orders';
COMMENT ON ROLE ordertrack_logistics IS
	'ordertrack duty: the carriers'' feeds record scans and read the carriers'' records';
COMMENT ON ROLE ordertrack_service IS
	'ordertrack duty: customer service reads the reports and timelines with personal data masked, resolves flags and records feedback';
COMMENT ON ROLE ordertrack_consumer IS
	'ordertrack duty: subscribes, polls and acknowledges its own consumers of the outbox';
COMMENT ON ROLE ordertrack_admin IS
	'ordertrack duty: every other duty, the settings tables and guarded settings, unmasked personal data, the sweep and pruning';

REVOKE ALL ON SCHEMA ordertrack FROM PUBLIC;
GRANT USAGE ON SCHEMA ordertrack TO ordertrack_erp, ordertrack_warehouse, ordertrack_logistics,
	ordertrack_service, ordertrack_consumer, ordertrack_admin;

-- The settings tables: every duty reads them (they hold no personal data),
-- the admin changes them.  The blacklist and customer notes hold personal
-- data: the admin's alone.
REVOKE ALL ON ordertrack.regions, ordertrack.remote_regions, ordertrack.address_unit_keywords,
	ordertrack.special_request_keywords, ordertrack.carriers, ordertrack.carrier_rules,
	ordertrack.carrier_promises, ordertrack.carrier_scores, ordertrack.stage_transitions,
	ordertrack.sweeps FROM PUBLIC;
GRANT SELECT ON ordertrack.regions, ordertrack.remote_regions, ordertrack.address_unit_keywords,
	ordertrack.special_request_keywords, ordertrack.products, ordertrack.flag_codes,
	ordertrack.stage_transitions, ordertrack.carriers, ordertrack.carrier_rules,
	ordertrack.carrier_promises, ordertrack.carrier_scores, ordertrack.sweeps
	TO ordertrack_erp, ordertrack_warehouse, ordertrack_logistics, ordertrack_service,
	ordertrack_consumer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ordertrack.regions, ordertrack.remote_regions,
	ordertrack.address_unit_keywords, ordertrack.special_request_keywords, ordertrack.products,
	ordertrack.flag_codes, ordertrack.stage_transitions, ordertrack.carriers,
	ordertrack.carrier_rules, ordertrack.carrier_promises, ordertrack.blacklist,
	ordertrack.customer_notes TO ordertrack_admin;
GRANT USAGE ON SEQUENCE ordertrack.blacklist_entry_id_seq, ordertrack.customer_notes_note_id_seq
	TO ordertrack_admin;

-- Everything ordertrack records, unmasked: the admin reads it all.
GRANT SELECT ON ordertrack.orders, ordertrack.order_lines, ordertrack.flags, ordertrack.stage_history,
	ordertrack.events, ordertrack.consumers, ordertrack.scans, ordertrack.carrier_shipments,
	ordertrack.carrier_scores, ordertrack.sweeps TO ordertrack_admin;

-- The ERP: orders and lines in (intake checks them at commit), its own
-- orders read back, corrections of what intake checks again.
GRANT SELECT, INSERT ON ordertrack.orders, ordertrack.order_lines TO ordertrack_erp;
GRANT UPDATE (recipient, phone, address, remarks) ON ordertrack.orders TO ordertrack_erp;
GRANT SELECT ON ordertrack.flags TO ordertrack_erp;
GRANT EXECUTE ON FUNCTION ordertrack.submit_order(jsonb), ordertrack.mark_paid(bigint, timestamptz),
	ordertrack.confirm(bigint), ordertrack.cancel(bigint, text) TO ordertrack_erp;

-- The warehouse and the workshop: lines, and orders without the
-- recipient, phone, address, remarks and account.
GRANT SELECT ON ordertrack.order_lines TO ordertrack_warehouse;
GRANT SELECT (shop, order_id, external_ref, service_requirements, urgent, cash_on_delivery, paid_at,
			  stage, tracking_no, carrier, created_at, province, city, district, region_code, remote,
			  skus, stage_entered_at, pick_progress, confirmed_at)
	ON ordertrack.orders TO ordertrack_warehouse, ordertrack_logistics;
GRANT EXECUTE ON FUNCTION ordertrack.record_pick(bigint, text, integer),
	ordertrack.report_shortage(bigint, text, integer),
	ordertrack.advance(bigint, ordertrack.stage, text, text) TO ordertrack_warehouse;

-- Logistics: scans, and the carriers' record.
GRANT SELECT ON ordertrack.scans, ordertrack.carrier_shipments TO ordertrack_logistics;
GRANT EXECUTE ON FUNCTION
	ordertrack.record_scan(ordertrack.tracking_no, text, timestamptz, text, text) TO ordertrack_logistics;

-- Customer service: the reports (which mask personal data for all but the
-- admin), timelines, flags, feedback, a customer's look-up.
GRANT SELECT ON ordertrack.sla_breaches, ordertrack.board, ordertrack.open_flags,
	ordertrack.carrier_scorecard, ordertrack.stage_durations, ordertrack.funnel,
	ordertrack.merge_candidates TO ordertrack_service, ordertrack_admin;
GRANT SELECT ON ordertrack.board, ordertrack.carrier_scorecard, ordertrack.stage_durations,
	ordertrack.funnel TO ordertrack_warehouse, ordertrack_logistics;
REVOKE ALL ON ordertrack.sla_breaches, ordertrack.board, ordertrack.open_flags,
	ordertrack.carrier_scorecard, ordertrack.stage_durations, ordertrack.funnel,
	ordertrack.merge_candidates FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ordertrack.timeline(bigint), ordertrack.lookup(ordertrack.tracking_no, text),
	ordertrack.resolve_flag(bigint, text), ordertrack.add_feedback(bigint, integer, text)
	TO ordertrack_service;

-- Consumers: their own (poll, ack and subscribe check the owner).
GRANT EXECUTE ON FUNCTION ordertrack.subscribe(text, text[]), ordertrack.poll(text, integer),
	ordertrack.ack(text, bigint) TO ordertrack_consumer;

-- The admin: every duty, the upkeep, the flags it raises by hand, and the
-- settings that guard intake.
GRANT ordertrack_erp, ordertrack_warehouse, ordertrack_logistics, ordertrack_service,
	ordertrack_consumer TO ordertrack_admin;
GRANT EXECUTE ON FUNCTION ordertrack.sweep(timestamptz), ordertrack.prune_events(interval),
	ordertrack.refresh_carrier_scores(timestamptz), ordertrack.raise_flag(text, bigint, text, text)
	TO ordertrack_admin;
GRANT SET ON PARAMETER ordertrack.duplicate_window, ordertrack.bulk_quantity,
	ordertrack.address_min_chars, ordertrack.clock_skew TO ordertrack_admin;

-- Per-shop access (shop_access.sql): the order tables' rows are the shops'
-- that the role sees.  The tables' owner (intake, the order functions)
-- passes; a role writes only rows of shops it sees.  While
-- ordertrack.shop_roles is empty, every row passes.  (pg_dump leaves an
-- extension's policies to CREATE EXTENSION, so they live here, always on.)
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'flags', 'events', 'stage_history', 'scans',
							 'carrier_shipments', 'carrier_scores'] LOOP
		EXECUTE pg_catalog.format('ALTER TABLE ordertrack.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format('CREATE POLICY shop_access ON ordertrack.%I USING (ordertrack.shop_visible(shop))'
								  ' WITH CHECK (ordertrack.shop_visible(shop))', t);
		EXECUTE pg_catalog.format('COMMENT ON POLICY shop_access ON ordertrack.%I IS %L', t,
								  'Rows of the shops the role sees (ordertrack.shop_roles; all while it is empty)');
	END LOOP;
END
$$;
GRANT SELECT, INSERT, DELETE ON ordertrack.shop_roles TO ordertrack_admin;
