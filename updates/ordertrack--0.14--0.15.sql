/*
 * ordertrack 0.14 -> 0.15: poll finds a batch through a btree index on the
 * events' transaction ids, and no longer lets min() and max() of the batch's
 * ids be read off the primary key.  Both made a poll read the outbox from
 * its oldest event: the block-range index lost its ranges once vacuum
 * recorded the pages' leftover space (new events landed in old pages, and
 * every range came to reach the newest transaction), and the planner walked
 * the primary key from the first event to the batch (18 ms a poll at 50,000
 * events, growing with the outbox).
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
