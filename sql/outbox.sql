--
-- The outbox delivered to consumers: subscribe, poll, ack, prune.  Each
-- statement commits on its own, as a consumer's would.  Event ids are shown
-- relative to the first event of this test.
--
SET search_path = ordertrack, public;
\set SHOW_CONTEXT never
CREATE TEMP TABLE base AS SELECT coalesce(max(event_id), 0) AS id FROM events;
CREATE FUNCTION pg_temp.put(t text, k text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO ordertrack.events (shop, topic, kind, order_id) VALUES ('outbox', t, k, 1)
$$;
CREATE FUNCTION pg_temp.rel(id bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT id - (SELECT b.id FROM base b)
$$;

-- Errors a caller can provoke.
SELECT subscribe(NULL, '{warehouse}');
SELECT subscribe('', '{warehouse}');
SELECT subscribe('wms', '{warehouse,nowhere}');
SELECT subscribe('wms', '{}');
SELECT subscribe('wms', NULL);
SELECT subscribe('wms', '{warehouse,NULL}');
SELECT * FROM poll(NULL);
SELECT * FROM poll('wms', 0);
SELECT * FROM poll('wms', NULL);
SELECT ack('nobody', 1);
SELECT consumer FROM consumers;

-- A consumer that never subscribed gets every topic from the oldest retained
-- event; one that subscribed gets its topics.
SELECT subscribe('wms', '{warehouse,logistics}');
SELECT subscribe('wms', '{warehouse}');		-- changes the topics, keeps the position
SELECT pg_temp.put('warehouse', 'w1'), pg_temp.put('alerts', 'a1');
SELECT pg_temp.put('warehouse', 'w2');
SELECT pg_temp.rel(event_id), topic, kind FROM poll('wms', 10) WHERE shop = 'outbox';
SELECT pg_temp.rel(event_id), topic, kind FROM poll('audit', 10) WHERE shop = 'outbox';
SELECT consumer, topics FROM consumers ORDER BY consumer;

-- Not acknowledged: handed out again.  max limits each poll.
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 1);
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 1);
SELECT ack('wms', event_id) FROM events WHERE kind = 'w1' AND shop = 'outbox';
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 1);
-- an event not handed out yet, or of a topic not subscribed, cannot be acknowledged
SELECT ack('wms', event_id) FROM events WHERE kind = 'a1' AND shop = 'outbox';
SELECT pg_temp.put('warehouse', 'w3');
SELECT ack('wms', event_id) FROM events WHERE kind = 'w3' AND shop = 'outbox';
SELECT ack('wms', -1);
-- acknowledging the last one given ends the batch; the next poll starts the next
SELECT ack('wms', event_id) FROM events WHERE kind = 'w2' AND shop = 'outbox';
SELECT ack('wms', event_id) FROM events WHERE kind = 'w2' AND shop = 'outbox';	-- again: nothing changes
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 10);
SELECT ack('wms', event_id) FROM events WHERE kind = 'w3' AND shop = 'outbox';
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 10);
-- an ack of an event of an earlier batch changes nothing
SELECT ack('wms', event_id) FROM events WHERE kind = 'w1' AND shop = 'outbox';
SELECT consumer, pg_temp.rel(acked_id) AS acked, pg_temp.rel(given_id) AS given FROM consumers WHERE consumer = 'wms';

-- Pruning: only events every consumer acknowledged, and older than keep.
SELECT prune_events();
SELECT prune_events('0');
SELECT kind FROM events WHERE shop = 'outbox' ORDER BY event_id;
SELECT pg_temp.rel(event_id), kind FROM poll('audit', 10);
SELECT ack('audit', given_id) FROM consumers WHERE consumer = 'audit';
SELECT count(*) FROM poll('audit', 10);
SELECT prune_events('0');
SELECT kind FROM events WHERE shop = 'outbox' ORDER BY event_id;
-- w3 is kept: audit was given it and has not acknowledged it
SELECT pg_temp.rel(event_id), kind FROM poll('audit', 10);

-- A poll in a transaction that wrote an event does not hand it out before it
-- commits; the next poll after the commit does.
BEGIN;
SELECT pg_temp.put('warehouse', 'mine');
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 10);
COMMIT;
SELECT count(*) FROM poll('wms', 10);
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 10);
SELECT ack('wms', given_id) FROM consumers WHERE consumer = 'wms';

-- Restored into another cluster (simulated: another system identifier, and
-- an event of a transaction id this cluster has not reached), the outbox is
-- re-based: each consumer receives the retained events again, none is lost.
UPDATE outbox_origin SET system_identifier = system_identifier + 1;
SELECT pg_temp.put('warehouse', 'far');
UPDATE events SET xact_id = '99999999999' WHERE kind = 'far';
SELECT count(*) FROM poll('wms', 10);
SELECT pg_temp.rel(event_id), kind FROM poll('wms', 10);
SELECT count(*) FROM outbox_origin o, pg_control_system() c WHERE o.system_identifier = c.system_identifier;

DELETE FROM consumers;
DELETE FROM events WHERE shop = 'outbox';
