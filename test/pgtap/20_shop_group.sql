-- pgTAP: what a shop group needs on a single server.  distribute() and
-- join_node() refuse to run without Citus; distribution_plan() names every
-- table that holds a shop's rows, and every table of the extension is
-- planned or kept on the coordinator on purpose; event ids carry
-- ordertrack.node_id; a move writes its actor, reason and role with the
-- row (orders.stage_move), and the history takes them from there.
-- (ordertrack on Citus itself: test/citus.sh.)
SET search_path = ordertrack, public;
BEGIN;
SELECT plan(18);
\ir lib/error_of.sql

SELECT is((pg_temp.error_of('SELECT * FROM ordertrack.distribute()'))[1:2],
	ARRAY['55000', 'Citus is not installed in this database'], 'distribute() without Citus: 55000');
SELECT is((pg_temp.error_of($$SELECT ordertrack.join_node('\x00')$$))[1:2],
	ARRAY['55000', 'this database is not a node of a Citus cluster'], 'join_node() without Citus: 55000');

SELECT is((SELECT array_agg(table_name ORDER BY table_name) FROM distribution_plan() WHERE kind = 'per shop'),
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
	  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'shop' AND NOT a.attisdropped
	 WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind = 'r' AND c.relname <> 'shop_roles'),
	'every table with a shop column (but the role bindings) is distributed by shop');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
	 WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind = 'r'
	   AND c.relname NOT IN (SELECT table_name FROM distribution_plan())),
	ARRAY['consumer_nodes', 'consumers', 'outbox_nodes', 'outbox_origin', 'sweeps', 'tracking_secret'],
	'the tables that stay on the coordinator are the consumers and their positions, the outbox''s nodes and origin, the sweep''s and the key');
SELECT is((SELECT count(*) FROM distribution_plan() WHERE kind = 'reference'), 11::bigint,
	'the catalogue and the settings tables are reference tables');
SELECT ok(NOT EXISTS (SELECT FROM distribution_plan() p JOIN pg_constraint k
		ON k.conrelid = format('ordertrack.%I', p.table_name)::regclass AND k.contype IN ('p', 'u')
	 WHERE p.kind = 'per shop'
	   AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = 'shop') = ANY (k.conkey)),
	'every primary and unique key of a per-shop table includes shop');

-- event ids: the node number in the top bits
SELECT is(next_event_id() >> 48, 0::bigint, 'without Citus and ordertrack.node_id, event ids are node 0''s');
SET LOCAL ordertrack.node_id = 7;
SELECT is(next_event_id() >> 48, 7::bigint, 'ordertrack.node_id numbers them');
SELECT is(node_id(), 7, 'node_id() tells the number');
RESET ordertrack.node_id;
SELECT is(node_id(), 0, 'node_id() without Citus and the setting: 0');

-- the outbox is a single server's without Citus; event_stamp (on Citus a
-- trigger on the shards of events) numbers and stamps an event where it is stored
SELECT is(outbox_spread(), false, 'outbox_spread(): not without Citus');
CREATE TEMP TABLE stamped (LIKE ordertrack.events INCLUDING DEFAULTS);
CREATE TRIGGER stamped BEFORE INSERT ON stamped FOR EACH ROW EXECUTE FUNCTION ordertrack.event_stamp();
INSERT INTO stamped (shop, event_id, topic, kind, xact_id) VALUES ('g1', -5, 'intake', 'k', '3');
SELECT is((SELECT (event_id > 0) || ' ' || (xact_id = pg_current_xact_id()) FROM stamped), 'true true',
	'event_stamp gives the event this node''s id and transaction');
SET LOCAL ordertrack.restoring = on;
INSERT INTO stamped (shop, event_id, topic, kind, xact_id) VALUES ('g1', -5, 'intake', 'k', '3');
RESET ordertrack.restoring;
SELECT is((SELECT event_id || ' ' || xact_id FROM stamped WHERE event_id = -5), '-5 3',
	'and keeps what a restore brings');

-- a move's actor, reason and role, written with it
INSERT INTO products (sku, title) VALUES ('HD-1', 'hoodie');
SELECT submit_order('{"shop": "g1", "external_ref": "G-1", "account": "acc-g", "recipient": "张三",
	"phone": "13812345678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}') AS g1 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is(advance(:g1, 'review', 'call the customer', 'alice'), 'review', 'advance() with an actor and a reason');
SELECT is((SELECT stage_move->>'actor' || ' / ' || (stage_move->>'reason') || ' / ' || (stage_move->>'role')
			 FROM orders WHERE order_id = :g1), 'alice / call the customer / ' || session_user,
	'orders.stage_move holds the actor, the reason and the role');
SELECT is((SELECT actor || ' / ' || reason || ' / ' || role FROM stage_history WHERE order_id = :g1),
	'alice / call the customer / ' || session_user, 'and the history records them');
SET LOCAL ordertrack.actor = 'bob';
UPDATE orders SET stage = 'received' WHERE order_id = :g1;
SELECT is((SELECT actor FROM stage_history WHERE order_id = :g1 AND to_stage = 'received'), 'bob',
	'a later UPDATE that leaves stage_move as it is takes ordertrack.actor, not the earlier move''s');
SELECT is((SELECT stage_move->>'actor' FROM orders WHERE order_id = :g1), 'alice',
	'stage_move keeps the last move by a function');

SELECT * FROM finish();
ROLLBACK;
