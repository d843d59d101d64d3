-- pgTAP: the outbox's push and the errors left over from the other suites.
-- event_notify's payload stays under NOTIFY's limit whatever an event
-- carries; the trigger refuses to run where it does not belong; payment,
-- shortage and feedback errors that the confirmation suites do not reach.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(16);

-- Without preloading there is no doorbell worker: the writers notify.
-- (test/valgrind.sh runs this suite on a cluster that preloads it.)
LOAD 'ordertrack';
SELECT is(current_setting('ordertrack.notify'),
	CASE WHEN current_setting('shared_preload_libraries') ~ 'ordertrack' THEN 'doorbell' ELSE 'commit' END,
	'the default mode is commit when the library is not preloaded, doorbell when it is');

-- NOTIFY refuses payloads of 8000 bytes or more: the push clips what an
-- event can make long, so writing such an event never fails.
SET LOCAL ordertrack.notify = 'commit';
SELECT lives_ok($$INSERT INTO ordertrack.events (shop, topic, kind, payload)
	VALUES ('s1', 'alerts', repeat('长', 5000), jsonb_build_object('tracking_no', repeat('9', 9000)))$$,
	'an event with a 15,000-byte kind and a 9,000-byte payload is written and announced');
SELECT lives_ok($$INSERT INTO ordertrack.events (shop, topic, kind) SELECT 's1', 'intake', 'bulk ' || g FROM generate_series(1, 1000) g$$,
	'a thousand events in one statement are announced once');
SELECT cmp_ok(pg_notification_queue_usage(), '>=', 0::float8, 'the notification queue is readable');

-- Event ids are unique across a shop group: the server's node number above bit 48.
INSERT INTO events (shop, topic, kind) VALUES ('s1', 'intake', 'node 0');
SET LOCAL ordertrack.node_id = 3;
INSERT INTO events (shop, topic, kind) VALUES ('s1', 'intake', 'node 3');
SELECT is((SELECT event_id >> 48 FROM events WHERE kind = 'node 3'), 3::bigint, 'an event id carries its server''s node number');
SELECT ok((SELECT (n3.event_id & 281474976710655) > n0.event_id FROM events n3, events n0
		   WHERE n3.kind = 'node 3' AND n0.kind = 'node 0'), 'and below it the server''s sequence, which goes on');
SELECT throws_ok('SET ordertrack.node_id = 32768', '22023', NULL, 'node numbers go up to 32767');
RESET ordertrack.node_id;

-- The trigger only as an AFTER INSERT statement trigger with a transition table.
CREATE TEMP TABLE not_events (LIKE ordertrack.events);
CREATE TRIGGER n BEFORE INSERT ON not_events FOR EACH ROW EXECUTE FUNCTION ordertrack.event_notify();
SELECT throws_ok($$INSERT INTO not_events (shop, event_id, topic, kind, payload, created_at, xact_id) VALUES ('s', 1, 'intake', 'k', '{}', now(), '1')$$, '39P01',
	'event_notify must be fired AFTER INSERT for each statement, REFERENCING NEW TABLE', 'not as a row trigger');
DROP TRIGGER n ON not_events;
CREATE TRIGGER n AFTER INSERT ON not_events FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.event_notify();
SELECT throws_ok($$INSERT INTO not_events (shop, event_id, topic, kind, payload, created_at, xact_id) VALUES ('s', 1, 'intake', 'k', '{}', now(), '1')$$, '39P01',
	NULL, 'nor without its transition table');

-- Errors of the order functions not reached elsewhere.
INSERT INTO products (sku, title) VALUES ('HD-1', 'hoodie');
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'x1', 'account', 'a1', 'recipient', '张三',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'cash_on_delivery', true,
	'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 2)))) AS x1 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT throws_ok(format('SELECT ordertrack.report_shortage(%s, %L, 0)', :x1, 'NOPE'), '42704',
	format('order %s has no line with SKU NOPE', :x1), 'a shortage of a SKU not on the order');
SELECT confirm(:x1) IS NOT NULL AS confirmed;
SELECT record_pick(:x1, 'HD-1', 2);
SELECT advance(:x1, 'packed');
SELECT advance(:x1, 'shipped');
SELECT throws_ok(format('SELECT ordertrack.report_shortage(%s, %L, 0)', :x1, 'HD-1'), '55000',
	format('order %s cannot move from stage shipped to review', :x1), 'a shortage after shipping: the graph refuses it');
SELECT is((SELECT count(*)::int FROM flags WHERE order_id = :x1 AND code = 'stock_short'), 0, 'and no flag is left behind');
SELECT throws_ok(format('SELECT ordertrack.add_feedback(%s, NULL)', :x1), '22023', 'a rating is 1 to 5, not NULL', 'a missing rating');
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'x2', 'account', 'a2', 'recipient', '张三',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1)))) AS x2 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT advance(:x2, 'cancelled');
SELECT throws_ok(format('SELECT ordertrack.mark_paid(%s)', :x2), '55000', format('order %s is cancelled', :x2),
	'a payment for a cancelled order');

-- A consumer drains fast with poll's defaults: up to 1000 events a call,
-- each call planned for its batch's snapshots (a generic plan, which a
-- session gets from its sixth call on, would read every retained event).
SELECT is(pg_get_function_arguments('ordertrack.poll(text, integer)'::regprocedure),
	'consumer text, max integer DEFAULT 1000', 'poll hands out up to 1000 events by default');
SELECT ok((SELECT 'plan_cache_mode=force_custom_plan' = ANY (proconfig) FROM pg_proc
			WHERE oid = 'ordertrack.poll(text, integer)'::regprocedure),
	'poll plans each call for its batch, never with a generic plan');

SELECT * FROM finish();
ROLLBACK;
