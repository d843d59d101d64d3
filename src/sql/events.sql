/*
 * events.sql: the outbox and its consumers.  Every event is written to
 * ordertrack.events in the transaction of the change it reports; consumers
 * read it with poll and ack (exactly once, in commit order) and hear about
 * it through NOTIFY (the setting ordertrack.notify).
 */

-- Event ids unique across a shop group (PRODUCT: ids must not depend on
-- one database's sequence alone): the server's ordertrack.node_id above bit
-- 48, its sequence below.
CREATE SEQUENCE ordertrack.events_event_id_seq MAXVALUE 281474976710655;
COMMENT ON SEQUENCE ordertrack.events_event_id_seq IS 'This server''s part of event ids';
CREATE FUNCTION ordertrack.next_event_id() RETURNS bigint
	AS 'MODULE_PATHNAME', 'next_event_id' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ordertrack.next_event_id() IS
	'Default of events.event_id: ordertrack.node_id * 2^48 + nextval of ordertrack.events_event_id_seq';
REVOKE ALL ON FUNCTION ordertrack.next_event_id() FROM PUBLIC;
CREATE FUNCTION ordertrack.node_id() RETURNS integer
	AS 'MODULE_PATHNAME', 'node_id' LANGUAGE C STABLE;
COMMENT ON FUNCTION ordertrack.node_id() IS
	'This server''s number in its event ids (event_id >> 48): ordertrack.node_id, else its Citus group id, else 0';

-- Keyed by id first: poll reads a batch in id order, and ack finds an event
-- by its id alone.  (Ids rise, so new keys go to the index's right end.)
CREATE TABLE ordertrack.events (
	shop text NOT NULL,
	event_id bigint NOT NULL DEFAULT ordertrack.next_event_id(),
	topic text NOT NULL CHECK (topic IN ('intake', 'alerts', 'warehouse', 'production', 'logistics', 'customer', 'tracking')),
	kind text NOT NULL,
	order_id bigint,
	payload jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	xact_id xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	PRIMARY KEY (event_id, shop)
);
COMMENT ON TABLE ordertrack.events IS 'The outbox: every event, written in the transaction of the change it reports';
COMMENT ON COLUMN ordertrack.events.shop IS 'The shop';
COMMENT ON COLUMN ordertrack.events.event_id IS
	'Id of the event, unique across a shop group: ordertrack.node_id * 2^48 + this server''s sequence; rises with each event a server writes';
COMMENT ON COLUMN ordertrack.events.topic IS 'intake, alerts, warehouse, production, logistics, customer or tracking';
COMMENT ON COLUMN ordertrack.events.kind IS 'What happened, e.g. order_received, flag_raised';
COMMENT ON COLUMN ordertrack.events.order_id IS 'The order it concerns';
COMMENT ON COLUMN ordertrack.events.payload IS 'Everything a consumer needs';
COMMENT ON COLUMN ordertrack.events.created_at IS 'When it was written';
COMMENT ON COLUMN ordertrack.events.xact_id IS
	'The (top-level) transaction that wrote the event; poll hands events out by the snapshot in which they became visible';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.events', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.events_event_id_seq', '');

-- Writes an event to the outbox.
CREATE FUNCTION ordertrack.publish(shop text, order_id bigint, topic text, kind text, payload jsonb) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload) VALUES ($1, $3, $4, $2, $5)
$$;
COMMENT ON FUNCTION ordertrack.publish(text, bigint, text, text, jsonb) IS 'Used by the order functions: writes an event to the outbox';
REVOKE ALL ON FUNCTION ordertrack.publish(text, bigint, text, text, jsonb) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Delivering the outbox: subscribe, poll, ack, prune
--
-- Event ids are drawn when an event is written, so transactions commit them
-- out of order: a long transaction may commit event 5 after a short one
-- committed event 6.  A consumer's position is therefore not an id but a
-- snapshot: poll hands out events in batches, each batch being the events
-- that became visible between two snapshots (oldest first within a batch);
-- every committed event falls in exactly one batch.  Within the current
-- batch the consumer's position is the last event it acknowledged.
-- ---------------------------------------------------------------------------

-- The transactions' index: poll finds, once per batch, the ids a batch
-- spans by the range of transaction ids it covers.  A btree: a block-range
-- index loses its ranges once vacuum records the pages' leftover space (new
-- events land in old pages, and every range comes to reach the newest
-- transaction), and each poll would read most of the outbox.
CREATE INDEX events_xact ON ordertrack.events (xact_id);

CREATE TABLE ordertrack.consumers (
	consumer text PRIMARY KEY CHECK (consumer OPERATOR(pg_catalog.<>) ''),
	topics text[] CHECK (topics OPERATOR(pg_catalog.<@) '{intake,alerts,warehouse,production,logistics,customer,tracking}'),
	done pg_snapshot,
	batch pg_snapshot,
	batch_low bigint,
	batch_high bigint,
	acked_id bigint NOT NULL DEFAULT 0,
	given_id bigint NOT NULL DEFAULT 0,
	polled_at timestamptz,
	acked_at timestamptz,
	owner text
);
COMMENT ON TABLE ordertrack.consumers IS
	'Each consumer of the outbox: its topics and how far it has acknowledged';
COMMENT ON COLUMN ordertrack.consumers.consumer IS 'Its name, e.g. wms';
COMMENT ON COLUMN ordertrack.consumers.topics IS 'The topics it receives; NULL: all';
COMMENT ON COLUMN ordertrack.consumers.done IS
	'Every event visible in this snapshot is acknowledged; NULL: none yet';
COMMENT ON COLUMN ordertrack.consumers.batch IS
	'The current batch: the events visible in this snapshot and not in done';
COMMENT ON COLUMN ordertrack.consumers.batch_low IS 'The smallest event id in the current batch (NULL: none)';
COMMENT ON COLUMN ordertrack.consumers.batch_high IS 'The largest event id in the current batch (NULL: none)';
COMMENT ON COLUMN ordertrack.consumers.acked_id IS 'Within the batch, the last event acknowledged (0: none)';
COMMENT ON COLUMN ordertrack.consumers.given_id IS 'Within the batch, the last event handed out by poll (0: none)';
COMMENT ON COLUMN ordertrack.consumers.polled_at IS 'Last poll';
COMMENT ON COLUMN ordertrack.consumers.acked_at IS 'Last ack that moved the position';
COMMENT ON COLUMN ordertrack.consumers.owner IS
	'The role that created it: only that role and its members poll, acknowledge and subscribe it; NULL (consumers from before 0.9): any role that may call poll';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.consumers', '');

-- Transaction ids belong to one cluster.  Restored into another cluster,
-- the events' xact_id and the consumers' snapshots mean nothing there (a
-- new cluster's ids are usually behind: the events would never become
-- visible).  The cluster the outbox's ids come from is kept here and
-- dumped; the first poll, ack or prune in another cluster re-bases the
-- outbox (outbox_rebase): the events get the re-basing transaction's id and
-- every consumer starts again from the oldest retained event, so that after
-- such a restore each consumer receives the retained events at least once.
CREATE TABLE ordertrack.outbox_origin (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	system_identifier bigint NOT NULL
);
COMMENT ON TABLE ordertrack.outbox_origin IS
	'The cluster whose transaction ids the outbox''s positions use (one row; a restored row replaces it)';
COMMENT ON COLUMN ordertrack.outbox_origin.one IS 'Keeps the table to one row';
COMMENT ON COLUMN ordertrack.outbox_origin.system_identifier IS 'pg_control_system().system_identifier of that cluster';
INSERT INTO ordertrack.outbox_origin (system_identifier) SELECT system_identifier FROM pg_catalog.pg_control_system();
CREATE FUNCTION ordertrack.outbox_origin_replace() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM ordertrack.outbox_origin;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ordertrack.outbox_origin_replace() IS
	'Trigger BEFORE INSERT on outbox_origin: the row a restore brings replaces the one CREATE EXTENSION wrote';
REVOKE ALL ON FUNCTION ordertrack.outbox_origin_replace() FROM PUBLIC;
CREATE TRIGGER outbox_origin_replace BEFORE INSERT ON ordertrack.outbox_origin
	FOR EACH ROW EXECUTE FUNCTION ordertrack.outbox_origin_replace();
COMMENT ON TRIGGER outbox_origin_replace ON ordertrack.outbox_origin IS 'A restored row replaces the existing one';
SELECT pg_catalog.pg_extension_config_dump('ordertrack.outbox_origin', '');

CREATE FUNCTION ordertrack.outbox_rebase() RETURNS boolean
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	here bigint := (SELECT system_identifier FROM pg_control_system());
BEGIN
	IF (SELECT system_identifier FROM ordertrack.outbox_origin) IS NOT DISTINCT FROM here THEN
		RETURN false;
	END IF;
	LOCK TABLE ordertrack.outbox_origin IN EXCLUSIVE MODE;
	IF (SELECT system_identifier FROM ordertrack.outbox_origin) IS NOT DISTINCT FROM here THEN
		RETURN false;		-- another session re-based meanwhile
	END IF;
	UPDATE ordertrack.events SET xact_id = pg_current_xact_id();
	UPDATE ordertrack.consumers SET done = NULL, batch = NULL, batch_low = NULL, batch_high = NULL, acked_id = 0, given_id = 0;
	DELETE FROM ordertrack.outbox_origin;
	INSERT INTO ordertrack.outbox_origin (system_identifier) VALUES (here);
	RAISE NOTICE 'the outbox came from another cluster: every consumer receives the retained events again';
	RETURN true;
END
$$;
COMMENT ON FUNCTION ordertrack.outbox_rebase() IS
	'Used by poll, ack and prune_events: after a restore into another cluster, gives the events this cluster''s transaction id and starts every consumer again from the oldest retained event';
REVOKE ALL ON FUNCTION ordertrack.outbox_rebase() FROM PUBLIC;

-- A consumer is its owner's: another role may not read its events, move
-- its position or change its topics.
CREATE FUNCTION ordertrack.consumer_access(consumer text, owner text) RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF owner IS NOT NULL AND NOT pg_has_role(ordertrack.calling_role(), owner, 'MEMBER') THEN
		RAISE EXCEPTION 'consumer "%" belongs to role %', consumer, owner
			USING ERRCODE = '42501',
				  HINT = 'A consumer is polled, acknowledged and subscribed by the role that created it, or a member of that role.';
	END IF;
END
$$;
COMMENT ON FUNCTION ordertrack.consumer_access(text, text) IS
	'Used by subscribe, poll and ack with the consumer''s row in hand: refuses (42501) a consumer that another role owns';
REVOKE ALL ON FUNCTION ordertrack.consumer_access(text, text) FROM PUBLIC;

CREATE FUNCTION ordertrack.subscribe(consumer text, topics text[]) RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	o text;
BEGIN
	IF consumer IS NULL OR consumer = '' THEN
		RAISE EXCEPTION 'a consumer needs a name' USING ERRCODE = '22023';
	END IF;
	IF topics IS NULL OR cardinality(topics) = 0 OR array_position(topics, NULL) IS NOT NULL
	   OR NOT topics <@ '{intake,alerts,warehouse,production,logistics,customer,tracking}' THEN
		RAISE EXCEPTION 'invalid topics for consumer "%": %', consumer, coalesce(topics::text, 'NULL')
			USING ERRCODE = '22023',
				  HINT = 'Topics are intake, alerts, warehouse, production, logistics, customer and tracking.';
	END IF;
	-- a new consumer starts at the oldest retained event; an existing one keeps its position
	INSERT INTO ordertrack.consumers AS c (consumer, topics, owner)
	VALUES (subscribe.consumer, subscribe.topics, ordertrack.calling_role())
	ON CONFLICT ON CONSTRAINT consumers_pkey DO UPDATE SET topics = EXCLUDED.topics
	RETURNING c.owner INTO o;
	-- another role's consumer: the change is undone with the error
	PERFORM ordertrack.consumer_access(consumer, o);
END
$$;
COMMENT ON FUNCTION ordertrack.subscribe(text, text[]) IS
	'Sets the topics a consumer receives; a new consumer starts from the oldest retained event, an existing one keeps its position';

-- A snapshot that also counts the transaction x as in progress.  (A
-- transaction's own snapshot does not list it: a poll inside a transaction
-- that wrote events would otherwise take them for committed.)
CREATE FUNCTION ordertrack.snapshot_without(snap pg_snapshot, x xid8) RETURNS pg_snapshot
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN x IS NULL OR NOT pg_visible_in_snapshot(x, snap) THEN snap
		   ELSE format('%s:%s:%s', least(pg_snapshot_xmin(snap), x), pg_snapshot_xmax(snap),
					   (SELECT string_agg(v::text, ',' ORDER BY v)
						  FROM (SELECT pg_snapshot_xip(snap) UNION SELECT x) t(v)))::pg_snapshot END
$$;
COMMENT ON FUNCTION ordertrack.snapshot_without(pg_snapshot, xid8) IS
	'Used by poll: the snapshot, with transaction x counted as in progress';

-- plan_cache_mode: a plan made for a batch's snapshots, not a generic one
-- (which, from a session's sixth call on, reads every retained event)
CREATE FUNCTION ordertrack.poll(consumer text, max integer DEFAULT 1000) RETURNS SETOF ordertrack.events
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
COMMENT ON FUNCTION ordertrack.poll(text, integer) IS
	'Up to max events after the consumer''s acknowledged position, oldest first, in batches of what committed between two polls; events handed out and not acknowledged come again; only the shops the calling role sees (ordertrack.shop_roles)';

CREATE FUNCTION ordertrack.ack(consumer text, event_id bigint) RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c ordertrack.consumers;
	x xid8;
	t text;
	spread boolean := ordertrack.outbox_spread();
BEGIN
	IF NOT spread THEN
		PERFORM ordertrack.outbox_rebase();
	END IF;
	SELECT * INTO c FROM ordertrack.consumers k WHERE k.consumer = ack.consumer FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'consumer "%" does not exist', coalesce(consumer, 'NULL')
			USING ERRCODE = '42704', HINT = 'A consumer comes into being with its first poll or subscribe.';
	END IF;
	PERFORM ordertrack.consumer_access(consumer, c.owner);
	IF spread THEN
		-- on Citus, by the event's node (outbox_nodes.sql)
		PERFORM ordertrack.ack_node(c, event_id);
		UPDATE ordertrack.consumers k SET acked_at = now() WHERE k.consumer = ack.consumer;
		RETURN;
	END IF;
	SELECT e.xact_id, e.topic INTO x, t FROM ordertrack.events e WHERE e.event_id = ack.event_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event % does not exist', coalesce(event_id::text, 'NULL') USING ERRCODE = '42704';
	END IF;
	IF c.done IS NOT NULL AND pg_visible_in_snapshot(x, c.done) THEN
		RETURN;		-- of a batch acknowledged before
	END IF;
	IF c.batch IS NULL OR NOT pg_visible_in_snapshot(x, c.batch) OR event_id > c.given_id
	   OR NOT (c.topics IS NULL OR t = ANY (c.topics)) THEN
		RAISE EXCEPTION 'event % was not given to consumer "%"', event_id, consumer
			USING ERRCODE = '22023', HINT = 'Acknowledge events that poll returned.';
	END IF;
	IF event_id > c.acked_id THEN
		UPDATE ordertrack.consumers k SET acked_id = ack.event_id, acked_at = now() WHERE k.consumer = ack.consumer;
	END IF;
END
$$;
COMMENT ON FUNCTION ordertrack.ack(text, bigint) IS
	'Acknowledges an event that poll gave the consumer, and every event given before it; acknowledging again changes nothing';

CREATE FUNCTION ordertrack.prune_events(keep interval DEFAULT '7 days') RETURNS bigint
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	IF ordertrack.outbox_spread() THEN
		RETURN ordertrack.prune_nodes(keep);		-- on Citus, node by node (outbox_nodes.sql)
	END IF;
	PERFORM ordertrack.outbox_rebase();
	DELETE FROM ordertrack.events e
	 WHERE e.created_at < now() - keep
	   AND NOT EXISTS (SELECT 1 FROM ordertrack.consumers c
						WHERE c.done IS NULL OR NOT pg_visible_in_snapshot(e.xact_id, c.done));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ordertrack.prune_events(interval) IS
	'Deletes events older than keep that every consumer has acknowledged; returns how many';

REVOKE ALL ON FUNCTION ordertrack.subscribe(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.poll(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.ack(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ordertrack.prune_events(interval) FROM PUBLIC;

-- The live push: NOTIFY on channel ordertrack_<topic> (see the setting
-- ordertrack.notify).
CREATE FUNCTION ordertrack.event_notify() RETURNS trigger
	AS 'MODULE_PATHNAME', 'event_notify' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.event_notify() IS
	'Trigger AFTER INSERT on events, for each statement: with ordertrack.notify = commit, the first event of a transaction on a topic notifies channel ordertrack_<topic>';
-- A statement trigger: intake, which writes most events, writes them without
-- a statement and announces them itself, at no trigger's cost.
CREATE TRIGGER event_notify AFTER INSERT ON ordertrack.events
	REFERENCING NEW TABLE AS added
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.event_notify();
COMMENT ON TRIGGER event_notify ON ordertrack.events IS
	'NOTIFY ordertrack_<topic> once per topic and transaction, when ordertrack.notify = commit';
