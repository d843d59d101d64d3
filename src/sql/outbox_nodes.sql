/*
 * outbox_nodes.sql: the outbox on a Citus cluster.
 *
 * Once distribute() has spread ordertrack.events by shop, an event is
 * stored on the node that holds its shop, numbered by that node
 * (event_id's top bits: ordertrack.node_id(), its Citus group id) and
 * stamped with that node's transaction (xact_id).  Transaction ids and
 * snapshots belong to one node, so a consumer's position is kept per node
 * (consumer_nodes): for each node, the batches of its events that became
 * visible between two of its snapshots, exactly as on one server
 * (events.sql).  poll, ack and prune_events, called on the coordinator,
 * go through every node in the coordinator's transaction: a node's
 * snapshot is read by a query routed to one of its shards of events (a
 * "probe" shop that hashes there), its events by queries on the
 * distributed table restricted to its range of ids.  Each node's events
 * thus come exactly once, in that node's commit order (batch by batch);
 * poll visits the nodes least recently served first, so that a busy node
 * does not hold the others back.  Acknowledging an event acknowledges
 * every event handed out before it, on every node.
 *
 * events.sql's poll, ack and prune_events turn here when
 * outbox_spread() says the outbox is distributed.
 */

CREATE FUNCTION ordertrack.outbox_spread() RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- (two statements: the second is planned only where Citus's catalogue exists)
	IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN false;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'ordertrack.events'::regclass) THEN
		RETURN false;
	END IF;
	IF NOT citus_is_coordinator() THEN
		RAISE EXCEPTION 'on a Citus cluster the outbox is read through the coordinator' USING ERRCODE = '55000',
			HINT = 'Connect consumers to the coordinator: it polls every node.';
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION ordertrack.outbox_spread() IS
	'Used by poll, ack and prune_events: whether events is distributed by Citus (then they go through every node; 55000 on a worker)';
REVOKE ALL ON FUNCTION ordertrack.outbox_spread() FROM PUBLIC;

-- The nodes whose events the coordinator delivers: every node that holds
-- a shard of events, and every node that ever did (its events may have
-- moved with its shards).
CREATE TABLE ordertrack.outbox_nodes (
	node integer PRIMARY KEY,
	groupid integer NOT NULL,
	probe text
);
COMMENT ON TABLE ordertrack.outbox_nodes IS
	'On a Citus coordinator: the nodes whose events poll delivers (kept up by poll from Citus''s catalogue)';
COMMENT ON COLUMN ordertrack.outbox_nodes.node IS 'The node''s number in its event ids (event_id >> 48: ordertrack.node_id() there)';
COMMENT ON COLUMN ordertrack.outbox_nodes.groupid IS 'Its Citus group id';
COMMENT ON COLUMN ordertrack.outbox_nodes.probe IS
	'A shop value whose shard of events is on the node: a query for it runs there (NULL: the node holds none now)';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.outbox_nodes', '');

CREATE TABLE ordertrack.consumer_nodes (
	consumer text NOT NULL REFERENCES ordertrack.consumers ON DELETE CASCADE,
	node integer NOT NULL,
	done pg_snapshot,
	batch pg_snapshot,
	batch_low bigint,
	batch_high bigint,
	acked_id bigint NOT NULL DEFAULT 0,
	given_id bigint NOT NULL DEFAULT 0,
	given_seq bigint,
	polled_at timestamptz,
	PRIMARY KEY (consumer, node)
);
COMMENT ON TABLE ordertrack.consumer_nodes IS
	'On a Citus coordinator: how far each consumer has acknowledged the events of each node (consumers'' columns, per node)';
COMMENT ON COLUMN ordertrack.consumer_nodes.consumer IS 'The consumer';
COMMENT ON COLUMN ordertrack.consumer_nodes.node IS 'The node (outbox_nodes.node)';
COMMENT ON COLUMN ordertrack.consumer_nodes.done IS
	'Every event of the node visible in this snapshot of the node is acknowledged; NULL: none yet';
COMMENT ON COLUMN ordertrack.consumer_nodes.batch IS
	'The current batch: the node''s events visible in this snapshot of the node and not in done';
COMMENT ON COLUMN ordertrack.consumer_nodes.batch_low IS 'The smallest event id in the current batch (NULL: none)';
COMMENT ON COLUMN ordertrack.consumer_nodes.batch_high IS 'The largest event id in the current batch (NULL: none)';
COMMENT ON COLUMN ordertrack.consumer_nodes.acked_id IS 'Within the batch, the last event acknowledged (0: none)';
COMMENT ON COLUMN ordertrack.consumer_nodes.given_id IS 'Within the batch, the last event handed out by poll (0: none)';
COMMENT ON COLUMN ordertrack.consumer_nodes.given_seq IS
	'When poll last handed out events of the node (ordertrack.outbox_give_seq): an ack acknowledges what was handed out before it on the other nodes';
COMMENT ON COLUMN ordertrack.consumer_nodes.polled_at IS 'When poll last visited the node for the consumer';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.consumer_nodes', '');

CREATE SEQUENCE ordertrack.outbox_give_seq;
COMMENT ON SEQUENCE ordertrack.outbox_give_seq IS 'Orders the hand-outs of poll on a Citus cluster (consumer_nodes.given_seq)';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.outbox_give_seq', '');

-- On a shard of events (distribute() creates the trigger): the event's id
-- and transaction are this node's, whichever node evaluated the INSERT's
-- defaults (Citus evaluates them on the node the statement came to).
CREATE FUNCTION ordertrack.event_stamp() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF coalesce(current_setting('ordertrack.restoring', true), 'off') <> 'on' THEN
		NEW.event_id := ordertrack.next_event_id();
		NEW.xact_id := pg_current_xact_id();
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ordertrack.event_stamp() IS
	'Trigger BEFORE INSERT on events once distributed: numbers the event and stamps its transaction on the node that stores it (a restore, ordertrack.restoring = on, keeps what it brings)';
REVOKE ALL ON FUNCTION ordertrack.event_stamp() FROM PUBLIC;

-- Brings outbox_nodes up to date with Citus's catalogue: a probe for each
-- node that holds shards of events (asking it its number), no probe for a
-- node that holds none any more.
CREATE FUNCTION ordertrack.outbox_nodes_refresh() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g integer;
	k text;
	n integer;
BEGIN
	FOR g IN SELECT DISTINCT p.groupid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
			  WHERE s.logicalrelid = 'ordertrack.events'::regclass
				AND NOT EXISTS (SELECT FROM ordertrack.outbox_nodes o
								 JOIN pg_dist_placement q ON q.shardid = CASE WHEN o.probe IS NOT NULL THEN
										get_shard_id_for_distribution_column('ordertrack.events', o.probe) END
								WHERE o.groupid = p.groupid AND q.groupid = p.groupid) LOOP
		SELECT 'probe-' || i INTO k FROM generate_series(1, 100000) i
		 WHERE EXISTS (SELECT FROM pg_dist_placement q
						WHERE q.shardid = get_shard_id_for_distribution_column('ordertrack.events', 'probe-' || i)
						  AND q.groupid = g)
		 LIMIT 1;
		EXECUTE 'SELECT ordertrack.node_id() FROM (SELECT FROM ordertrack.events WHERE shop = $1 LIMIT 0) x RIGHT JOIN (SELECT) y ON true'
			INTO n USING k;
		UPDATE ordertrack.outbox_nodes SET probe = NULL WHERE groupid = g AND node <> n;
		INSERT INTO ordertrack.outbox_nodes AS o (node, groupid, probe) VALUES (n, g, k)
		ON CONFLICT (node) DO UPDATE SET groupid = EXCLUDED.groupid, probe = EXCLUDED.probe;
	END LOOP;
	UPDATE ordertrack.outbox_nodes o SET probe = NULL
	 WHERE o.probe IS NOT NULL
	   AND NOT EXISTS (SELECT FROM pg_dist_placement q
					    WHERE q.shardid = get_shard_id_for_distribution_column('ordertrack.events', o.probe)
						  AND q.groupid = o.groupid);
	-- this node: its events from before distribute() are on the workers now
	INSERT INTO ordertrack.outbox_nodes (node, groupid)
	SELECT ordertrack.node_id(), groupid FROM pg_dist_local_group
	ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION ordertrack.outbox_nodes_refresh() IS
	'Used by poll on a Citus coordinator: finds a probe on every node that holds shards of events, and the node''s number';
REVOKE ALL ON FUNCTION ordertrack.outbox_nodes_refresh() FROM PUBLIC;

-- A snapshot of a node, by the rule of snapshot_without (this
-- transaction's own events count as in progress): here, this server's; on
-- a node with shards of events, read there; on a node that holds none any
-- more (all its events committed before they moved), one that shows all
-- of its events, NULL when there are none.
CREATE FUNCTION ordertrack.outbox_node_snapshot(node integer, grp integer, probe text) RETURNS pg_snapshot
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s pg_snapshot;
	m xid8;
BEGIN
	IF grp = (SELECT l.groupid FROM pg_dist_local_group l) THEN
		RETURN ordertrack.snapshot_without(pg_current_snapshot(), pg_current_xact_id_if_assigned());
	ELSIF probe IS NOT NULL THEN
		EXECUTE 'SELECT ordertrack.snapshot_without(pg_catalog.pg_current_snapshot(), pg_catalog.pg_current_xact_id_if_assigned())
				   FROM (SELECT FROM ordertrack.events WHERE shop = $1 LIMIT 0) x RIGHT JOIN (SELECT) y ON true'
			INTO s USING probe;
		RETURN s;
	END IF;
	SELECT max(e.xact_id) INTO m FROM ordertrack.events e
	 WHERE e.event_id BETWEEN node::bigint << 48 AND (node::bigint << 48) + 281474976710655;
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	m := (m::text::numeric + 1)::text::xid8;
	RETURN format('%s:%s:', m, m)::pg_snapshot;
END
$$;
COMMENT ON FUNCTION ordertrack.outbox_node_snapshot(integer, integer, text) IS
	'Used by poll on a Citus coordinator: the current snapshot of a node, read on that node';
REVOKE ALL ON FUNCTION ordertrack.outbox_node_snapshot(integer, integer, text) FROM PUBLIC;

-- poll on a Citus coordinator, for a consumer that poll has found, locked
-- and checked: up to max events, node by node.
CREATE FUNCTION ordertrack.poll_nodes(c ordertrack.consumers, max integer) RETURNS SETOF ordertrack.events
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
COMMENT ON FUNCTION ordertrack.poll_nodes(ordertrack.consumers, integer) IS
	'Used by poll on a Citus coordinator: up to max events of the consumer''s topics, node by node (least recently visited first), each node''s in batches of what committed there between two of its snapshots';
REVOKE ALL ON FUNCTION ordertrack.poll_nodes(ordertrack.consumers, integer) FROM PUBLIC;

-- ack on a Citus coordinator, for a consumer that ack has found, locked and
-- checked.
CREATE FUNCTION ordertrack.ack_node(c ordertrack.consumers, event_id bigint) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p ordertrack.consumer_nodes;
	x xid8;
	t text;
BEGIN
	SELECT e.xact_id, e.topic INTO x, t FROM ordertrack.events e WHERE e.event_id = ack_node.event_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event % does not exist', coalesce(event_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	SELECT * INTO p FROM ordertrack.consumer_nodes k
	 WHERE k.consumer = c.consumer AND k.node = (ack_node.event_id >> 48)::integer FOR UPDATE;
	IF p.done IS NOT NULL AND pg_visible_in_snapshot(x, p.done) THEN
		RETURN;		-- of a batch acknowledged before
	END IF;
	IF p.batch IS NULL OR NOT pg_visible_in_snapshot(x, p.batch) OR event_id > p.given_id
	   OR NOT (c.topics IS NULL OR t = ANY (c.topics)) THEN
		RAISE EXCEPTION 'event % was not given to consumer "%"', event_id, c.consumer
			USING ERRCODE = '22023', HINT = 'Acknowledge events that poll returned.';
	END IF;
	IF event_id > p.acked_id THEN
		UPDATE ordertrack.consumer_nodes k SET acked_id = ack_node.event_id
		 WHERE k.consumer = p.consumer AND k.node = p.node;
	END IF;
	-- what poll handed out before it, on the other nodes
	UPDATE ordertrack.consumer_nodes k SET acked_id = k.given_id
	 WHERE k.consumer = p.consumer AND k.node <> p.node AND k.given_seq < p.given_seq
	   AND k.batch IS NOT NULL AND k.given_id > k.acked_id;
END
$$;
COMMENT ON FUNCTION ordertrack.ack_node(ordertrack.consumers, bigint) IS
	'Used by ack on a Citus coordinator: acknowledges the event, the events of its node given before it, and what poll handed out before it on the other nodes';
REVOKE ALL ON FUNCTION ordertrack.ack_node(ordertrack.consumers, bigint) FROM PUBLIC;

-- Whether every consumer's done snapshot of a node shows the transaction.
CREATE FUNCTION ordertrack.acked_by_all(x xid8, done pg_snapshot[]) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(bool_and(pg_visible_in_snapshot(x, d)), true) FROM unnest(done) d
$$;
COMMENT ON FUNCTION ordertrack.acked_by_all(xid8, pg_snapshot[]) IS
	'Used by prune_events on a Citus cluster: whether the transaction is visible in every snapshot given';
REVOKE ALL ON FUNCTION ordertrack.acked_by_all(xid8, pg_snapshot[]) FROM PUBLIC;

-- prune_events on a Citus coordinator: node by node, the events older
-- than keep that every consumer has acknowledged.
CREATE FUNCTION ordertrack.prune_nodes(keep interval) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o record;
	deleted bigint;
	total bigint := 0;
	cutoff timestamptz := now() - keep;
BEGIN
	PERFORM ordertrack.outbox_nodes_refresh();
	FOR o IN SELECT n.node,
					(SELECT array_agg(k.done) FROM ordertrack.consumers c
					   LEFT JOIN ordertrack.consumer_nodes k ON k.consumer = c.consumer AND k.node = n.node) AS done
			   FROM ordertrack.outbox_nodes n LOOP
		-- a consumer that has acknowledged nothing of the node yet keeps all of its events
		CONTINUE WHEN array_position(o.done, NULL) IS NOT NULL;
		DELETE FROM ordertrack.events e
		 WHERE e.event_id BETWEEN o.node::bigint << 48 AND (o.node::bigint << 48) + 281474976710655
		   AND e.created_at < cutoff
		   AND ordertrack.acked_by_all(e.xact_id, coalesce(o.done, '{}'));
		GET DIAGNOSTICS deleted = ROW_COUNT;
		total := total + deleted;
	END LOOP;
	RETURN total;
END
$$;
COMMENT ON FUNCTION ordertrack.prune_nodes(interval) IS
	'Used by prune_events on a Citus coordinator: deletes, node by node, events older than keep that every consumer has acknowledged';
REVOKE ALL ON FUNCTION ordertrack.prune_nodes(interval) FROM PUBLIC;
