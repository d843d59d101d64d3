/*
 * ordertrack 0.14 -> 0.15: poll finds a batch through a btree index on the
 * events' transaction ids, and no longer lets min() and max() of the batch's
 * ids be read off the primary key.  Both made a poll read the outbox from
 * its oldest event: the block-range index lost its ranges once vacuum
 * recorded the pages' leftover space (new events landed in old pages, and
 * every range came to reach the newest transaction), and the planner walked
 * the primary key from the first event to the batch (18 ms a poll at 50,000
 * events, growing with the outbox).
 *
 * flag_codes becomes a settings table, so that pg_dump keeps the codes a
 * shop added and the severities and descriptions it changed: a row as
 * shipped is shipped, any other custom.
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.15'" to load this file. \quit

DROP INDEX ordertrack.events_position;
DROP OPERATOR FAMILY ordertrack.xid8_minmax_ops USING brin;
-- (as src/sql/events.sql has it)
CREATE INDEX events_xact ON ordertrack.events (xact_id);

-- (as src/sql/events.sql has it)
CREATE OR REPLACE FUNCTION ordertrack.poll(consumer text, max integer DEFAULT 1000) RETURNS SETOF ordertrack.events
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
	c ordertrack.consumers;
	e ordertrack.events;
	after bigint;
	last bigint := 0;
	fresh boolean := false;
	spread boolean;
BEGIN
	IF consumer IS NULL OR consumer = '' THEN
		RAISE EXCEPTION 'a consumer needs a name' USING ERRCODE = '22023';
	END IF;
	IF max IS NULL OR max < 1 THEN
		RAISE EXCEPTION 'max must be at least 1, not %', coalesce(max::text, 'NULL') USING ERRCODE = '22023';
	END IF;
	spread := ordertrack.outbox_spread();
	IF NOT spread THEN
		PERFORM ordertrack.outbox_rebase();
	END IF;
	-- a consumer that never subscribed gets every topic, from the oldest retained event
	INSERT INTO ordertrack.consumers (consumer, owner) VALUES (poll.consumer, ordertrack.calling_role())
	ON CONFLICT DO NOTHING;
	SELECT * INTO c FROM ordertrack.consumers k WHERE k.consumer = poll.consumer FOR UPDATE;
	PERFORM ordertrack.consumer_access(consumer, c.owner);
	IF spread THEN
		-- on Citus, node by node (outbox_nodes.sql)
		RETURN QUERY SELECT * FROM ordertrack.poll_nodes(c, max);
		UPDATE ordertrack.consumers k SET polled_at = now() WHERE k.consumer = poll.consumer;
		RETURN;
	END IF;
	after := c.acked_id;
	LOOP
		IF c.batch IS NULL THEN
			-- the next batch: what became visible since the last one (not this transaction's own events)
			c.batch := ordertrack.snapshot_without(pg_current_snapshot(), pg_current_xact_id_if_assigned());
			after := 0;
			c.given_id := 0;
			fresh := true;
			-- the ids it spans, found once through the index on xact_id (event_id + 0:
			-- not min() and max() read off the primary key, which would walk it from
			-- the outbox's oldest event to the first one of the batch)
			SELECT min(v.event_id + 0), max(v.event_id + 0) INTO c.batch_low, c.batch_high
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

-- (as src/sql/outbox_nodes.sql has it)
CREATE OR REPLACE FUNCTION ordertrack.poll_nodes(c ordertrack.consumers, max integer) RETURNS SETOF ordertrack.events
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o record;
	p ordertrack.consumer_nodes;
	e ordertrack.events;
	todo integer := max;
	lo bigint;
	hi bigint;
	after bigint;
	last bigint;
	fresh boolean;
BEGIN
	PERFORM ordertrack.outbox_nodes_refresh();
	INSERT INTO ordertrack.consumer_nodes (consumer, node)
	SELECT c.consumer, n.node FROM ordertrack.outbox_nodes n
	ON CONFLICT DO NOTHING;
	FOR o IN SELECT n.* FROM ordertrack.outbox_nodes n
			   JOIN ordertrack.consumer_nodes k ON k.consumer = c.consumer AND k.node = n.node
			  ORDER BY k.polled_at NULLS FIRST, n.node LOOP
		EXIT WHEN todo = 0;
		SELECT * INTO p FROM ordertrack.consumer_nodes k WHERE k.consumer = c.consumer AND k.node = o.node FOR UPDATE;
		lo := o.node::bigint << 48;
		hi := lo + 281474976710655;
		after := p.acked_id;
		last := 0;
		fresh := false;
		LOOP
			IF p.batch IS NULL THEN
				p.batch := ordertrack.outbox_node_snapshot(o.node, o.groupid, o.probe);
				EXIT WHEN p.batch IS NULL;
				after := 0;
				p.given_id := 0;
				fresh := true;
				-- (event_id + 0: through the index on xact_id, as poll does)
				SELECT min(v.event_id + 0), max(v.event_id + 0) INTO p.batch_low, p.batch_high
				  FROM ordertrack.events v
				 WHERE v.event_id BETWEEN lo AND hi
				   AND v.xact_id < pg_snapshot_xmax(p.batch)
				   AND (p.done IS NULL OR v.xact_id >= pg_snapshot_xmin(p.done))
				   AND pg_visible_in_snapshot(v.xact_id, p.batch)
				   AND (p.done IS NULL OR NOT pg_visible_in_snapshot(v.xact_id, p.done));
			END IF;
			IF p.batch_low IS NOT NULL THEN
				FOR e IN SELECT * FROM ordertrack.events v
						  WHERE v.event_id > greatest(after, p.batch_low - 1) AND v.event_id <= p.batch_high
							AND pg_visible_in_snapshot(v.xact_id, p.batch)
							AND (p.done IS NULL OR NOT pg_visible_in_snapshot(v.xact_id, p.done))
							AND (c.topics IS NULL OR v.topic = ANY (c.topics))
							AND ordertrack.shop_visible(v.shop)
						  ORDER BY v.event_id
						  LIMIT todo LOOP
					last := e.event_id;
					todo := todo - 1;
					RETURN NEXT e;
				END LOOP;
			END IF;
			EXIT WHEN last > 0 OR fresh;
			p.done := p.batch;
			p.batch := NULL;
		END LOOP;
		UPDATE ordertrack.consumer_nodes k
		   SET done = p.done, batch = p.batch, batch_low = p.batch_low, batch_high = p.batch_high,
			   acked_id = CASE WHEN fresh THEN 0 ELSE k.acked_id END,
			   given_id = greatest(p.given_id, last),
			   given_seq = CASE WHEN last > 0 THEN nextval('ordertrack.outbox_give_seq') ELSE k.given_seq END,
			   polled_at = clock_timestamp()
		 WHERE k.consumer = c.consumer AND k.node = o.node;
	END LOOP;
END
$$;

-- flag_codes as a settings table (as src/sql/flags.sql has it).  A row
-- as 0.14 shipped it is shipped; a code the shop added, or whose severity
-- or description it changed, is custom.
CREATE OR REPLACE FUNCTION ordertrack.flag_codes_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flag_codes_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.flag_codes_guard() IS
	'Trigger on flag_codes: codes are added, and their severity and description changed, but never removed or renamed; a shipped row gives way only to a custom row of its code';
ALTER TABLE ordertrack.flag_codes
	ADD COLUMN origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'));
COMMENT ON COLUMN ordertrack.flag_codes.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
UPDATE ordertrack.flag_codes f SET origin = 'shipped'
  FROM (VALUES
	('name_missing', 'block', 'The recipient is empty, blank or punctuation only: ask the customer for a name'),
	('phone_invalid', 'block', 'The phone number is missing or is not a number that can be called'),
	('address_incomplete', 'block', 'The address is empty or too short to deliver to'),
	('address_needs_unit', 'block', 'The address names no building, unit, room or house number: confirm it before shipping'),
	('sku_unknown', 'block', 'A line''s SKU is not in the catalogue, or not active'),
	('sku_mismatch', 'block', 'A line''s title, spec or colour differs from the catalogue'),
	('duplicate_suspect', 'block', 'The same account ordered the same SKU shortly before: ask whether both are wanted'),
	('blacklisted', 'block', 'The account, phone or address is on the blacklist'),
	('stock_short', 'block', 'The shelf lacks stock the system showed'),
	('region_unknown', 'warn', 'No province was recognised in the address'),
	('quantity_unusual', 'warn', 'A line''s quantity is above ordertrack.bulk_quantity'),
	('payment_overdue', 'warn', 'Unpaid for longer than ordertrack.payment_timeout'),
	('pick_behind_schedule', 'warn', 'Picking is behind the pace its deadline needs'),
	('pick_overdue', 'warn', 'Picking missed its deadline'),
	('transit_stalled', 'warn', 'The parcel has not moved for ordertrack.transit_stall'),
	('delivery_failed', 'warn', 'A delivery attempt failed'),
	('carrier_exception', 'warn', 'The carrier reported an exception for the parcel: see the scan''s detail'),
	('parcel_lost', 'warn', 'The carrier reported the parcel lost'),
	('special_request', 'info', 'The remarks ask for something: see the order''s service requirements'),
	('customer_history', 'info', 'The customer''s earlier feedback or preferences'),
	('customization', 'info', 'A line is made to order: the text travels exactly as entered')
) AS v(c, s, d)
 WHERE f.code = v.c AND f.severity = v.s AND f.description = v.d;
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.flag_codes
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.flag_codes', 'code');
COMMENT ON TRIGGER settings_row_guard ON ordertrack.flag_codes IS
	'An added or changed flag code is custom; an inserted row replaces the shipped row with its code';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.flag_codes', 'WHERE origin = ''custom''');
