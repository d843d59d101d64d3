/*
 * reports.sql: what the people on duty read in psql.  Operations: board,
 * sla_breaches, stage_durations, funnel; the warehouse and logistics:
 * open_flags, carrier_scorecard, merge_candidates; customer service:
 * timeline(order_id), and for the customer, lookup(tracking_no,
 * phone_last4).  Every one is by shop; where a person would rather look
 * than read, a bar drawn with Unicode blocks that lines up in psql.
 */

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

-- The deadline flags: what the sweep raises when an order is late.
CREATE VIEW ordertrack.sla_breaches AS
SELECT f.shop, f.order_id, o.external_ref, o.stage, f.code, f.raised_at AS since,
	   date_trunc('minute', now() - f.raised_at) AS open_for, ordertrack.masked(f.code, f.detail) AS detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL AND ordertrack.shop_visible(f.shop)
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
 WHERE o.stage NOT IN ('cancelled', 'completed') AND ordertrack.shop_visible(o.shop)
 GROUP BY o.shop, o.stage;
COMMENT ON VIEW ordertrack.board IS
	'Per shop and stage (orders still under way): how many orders, how many held by an open blocking flag, how many overdue (sla_breaches), and when the oldest was taken';

CREATE VIEW ordertrack.open_flags AS
SELECT f.shop, f.flag_id, f.order_id, o.external_ref, o.stage, f.severity, f.code,
	   date_trunc('minute', now() - f.raised_at) AS age, ordertrack.masked(f.code, f.detail) AS detail
  FROM ordertrack.flags f
  JOIN ordertrack.orders o ON o.shop = f.shop AND o.order_id = f.order_id
 WHERE f.resolved_at IS NULL AND ordertrack.shop_visible(f.shop)
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
 WHERE ordertrack.shop_visible(s.shop)
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
	 WHERE o.created_at >= now() - interval '30 days' AND ordertrack.shop_visible(o.shop)
	 GROUP BY 1, 2
)
SELECT d.shop, d.day, d.received, d.confirmed, d.shipped, d.delivered,
	   ordertrack.bar(d.delivered, d.received, 20) AS delivered_share
  FROM days d
 ORDER BY d.shop, d.day;
COMMENT ON VIEW ordertrack.funnel IS
	'Per shop and day the orders were taken (last 30 days): received, confirmed, shipped, delivered, and the delivered share as a bar';

CREATE VIEW ordertrack.merge_candidates AS
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
	 WHERE o.order_id IS NOT NULL AND ordertrack.shop_visible(o.shop)
	   AND q.last4 ~ '^[0-9]{4}$'
	   AND right(regexp_replace(coalesce(o.phone_normalized, o.phone, ''), '[^0-9]', '', 'g'), 4) = q.last4
$$;
COMMENT ON FUNCTION ordertrack.lookup(ordertrack.tracking_no, text) IS
	'What a customer may see of a parcel: stage, carrier, the last scan (status, time, place) and the recipient masked (张*), only when the last four digits of the recipient''s phone match; no row otherwise';
REVOKE ALL ON FUNCTION ordertrack.lookup(ordertrack.tracking_no, text) FROM PUBLIC;
