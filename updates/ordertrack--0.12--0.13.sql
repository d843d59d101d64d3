/*
 * ordertrack 0.12 -> 0.13: faster consumers.  poll() plans its queries for
 * each batch's snapshots (with a generic plan, which PostgreSQL chooses
 * from a session's sixth call on, every poll read every retained event),
 * and hands out up to 1000 events by default.  resolve_flag returns an
 * order that confirm() had confirmed to confirmed, not received (the
 * library does it; its comment says so).
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.13'" to load this file. \quit

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

COMMENT ON FUNCTION ordertrack.resolve_flag(bigint, text) IS
	'A person resolves a flag with a note; when no blocking flag of an order in review is left open, the order returns to received, or to confirmed if confirm() had confirmed it. Returns the order''s stage';
