-- pgTAP: after the warehouse.  record_scan (every status and the stage it
-- leads to, a repeated scan, an old scan, a scan past collection, a scan
-- the graph does not allow, flags, unknown numbers and statuses) and
-- add_feedback (kept on the order and in the account's notes, carried into
-- the next order, complaints opening after_sales), with their errors.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(38);

INSERT INTO products (sku, title) VALUES ('HD-1', 'hoodie'), ('HD-2', 'hoodie, blue');
-- A confirmed order, packed, with its tracking number.
CREATE FUNCTION pg_temp.packed(ref text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	id bigint;
BEGIN
	id := ordertrack.submit_order(jsonb_build_object('shop', 's1', 'external_ref', ref, 'account', 'acc-' || ref,
		'recipient', '张三', 'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
		'cash_on_delivery', true, 'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1))));
	SET CONSTRAINTS ALL IMMEDIATE;
	SET CONSTRAINTS ALL DEFERRED;
	PERFORM ordertrack.confirm(id);
	PERFORM ordertrack.record_pick(id, 'HD-1', 1);
	PERFORM ordertrack.advance(id, 'packed');
	RETURN id;
END $$;
CREATE FUNCTION pg_temp.tn(id bigint) RETURNS ordertrack.tracking_no LANGUAGE sql AS $$
	SELECT tracking_no FROM ordertrack.orders WHERE order_id = id
$$;

SELECT pg_temp.packed('a') AS a \gset
SELECT is(record_scan(pg_temp.tn(:a), 'collected', '2026-11-26 10:00+08', '深圳南山营业部'), 'shipped',
	'collected moves a packed order to shipped');
SELECT is(record_scan(pg_temp.tn(:a), 'collected', '2026-11-26 10:00+08', '深圳南山营业部'), 'shipped',
	'the same scan again changes nothing');
SELECT is((SELECT count(*)::int FROM scans WHERE order_id = :a), 1, 'and is stored once');
SELECT is(record_scan(pg_temp.tn(:a), 'arrived', '2026-11-26 18:00+08', '深圳转运中心'), 'in_transit', 'arrived -> in_transit');
SELECT is(record_scan(pg_temp.tn(:a), 'in_transit', '2026-11-26 12:00+08', '深圳'), 'in_transit',
	'an older scan is stored and moves nothing');
SELECT is((SELECT count(*)::int FROM scans WHERE order_id = :a), 3, 'all three scans are kept');
SELECT is(record_scan(pg_temp.tn(:a), 'out_for_delivery', '2026-11-27 08:00+08', '北京朝阳'), 'out_for_delivery',
	'out_for_delivery');
SELECT is(record_scan(pg_temp.tn(:a), 'failed_attempt', '2026-11-27 11:00+08', '北京朝阳', '无人签收'), 'delivery_failed',
	'failed_attempt -> delivery_failed');
SELECT is((SELECT detail FROM flags WHERE order_id = :a AND code = 'delivery_failed'), '无人签收',
	'and raises delivery_failed with the carrier''s detail');
SELECT is(record_scan(pg_temp.tn(:a), 'out_for_delivery', '2026-11-28 08:00+08'), 'out_for_delivery', 'out again');
SELECT is(record_scan(pg_temp.tn(:a), 'delivered', '2026-11-28 10:00+08', '北京朝阳'), 'delivered', 'delivered');
SELECT is(record_scan(pg_temp.tn(:a), 'exception', '2026-11-28 11:00+08', NULL, '面单破损'), 'delivered',
	'exception moves nothing');
SELECT is((SELECT severity || ' ' || detail FROM flags WHERE order_id = :a AND code = 'carrier_exception'), 'warn 面单破损',
	'and raises a warn flag');
SELECT is(record_scan(pg_temp.tn(:a), 'in_transit', '2026-11-28 12:00+08'), 'delivered',
	'a newer scan that the graph does not allow is kept and moves nothing');
SELECT is((SELECT string_agg(to_stage::text, ' ' ORDER BY change_id) FROM stage_history WHERE order_id = :a AND reason LIKE 'scan %'),
	'shipped in_transit out_for_delivery delivery_failed out_for_delivery delivered', 'every move by a scan is in the history');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :a AND kind = 'scan_recorded' AND topic = 'tracking'), 9,
	'every new scan is published to tracking, repeats are not');
SELECT is((SELECT string_agg(e.payload ->> 'code', ' ' ORDER BY e.event_id) FROM events e
		   WHERE e.order_id = :a AND e.kind = 'flag_raised' AND e.topic = 'alerts'),
	'delivery_failed carrier_exception', 'both warn flags are published to alerts');
SET ordertrack.alert_severity = block;
SELECT is(record_scan(pg_temp.tn(:a), 'exception', '2026-11-28 13:00+08', NULL, '外箱受潮'), 'delivered', 'another exception');
SELECT is((SELECT count(*)::int FROM flags WHERE order_id = :a AND code = 'carrier_exception'), 2, 'is flagged');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :a AND kind = 'flag_raised'), 2,
	'but not published when ordertrack.alert_severity = block');
RESET ordertrack.alert_severity;
CREATE ROLE ot_alert_clerk;
SET LOCAL ROLE ot_alert_clerk;
SELECT throws_ok($$SET ordertrack.alert_severity = block$$, '42501', NULL, 'only a superuser silences alerts');
RESET ROLE;

SELECT pg_temp.packed('b') AS b \gset
SELECT is(record_scan(pg_temp.tn(:b), 'in_transit', '2026-11-26 12:00+08'), 'in_transit',
	'a first scan past collection moves a packed order through shipped');
SELECT is((SELECT string_agg(to_stage::text, ' ' ORDER BY change_id) FROM stage_history WHERE order_id = :b AND reason LIKE 'scan %'),
	'shipped in_transit', 'both moves are recorded');
SELECT is(record_scan(pg_temp.tn(:b), 'lost', '2026-11-29 12:00+08'), 'lost', 'lost');
SELECT is((SELECT count(*)::int FROM flags WHERE order_id = :b AND code = 'parcel_lost'), 1, 'raises parcel_lost');
SELECT pg_temp.packed('c') AS c \gset
SELECT record_scan(pg_temp.tn(:c), 'collected', '2026-11-26 12:00+08');
SELECT is(record_scan(pg_temp.tn(:c), 'returning', '2026-11-27 12:00+08'), 'returning', 'returning');
SELECT is(record_scan(pg_temp.tn(:c), 'returned', '2026-11-28 12:00+08'), 'returned', 'returned');

SELECT throws_ok($$SELECT ordertrack.record_scan(ordertrack.issue_tracking_no(), 'collected', now())$$, '42704', NULL,
	'a scan for a tracking number no order has is an error');
SELECT throws_ok($$SELECT ordertrack.record_scan('1234567890123456', 'collected', now())$$, '22P02', NULL,
	'a malformed tracking number is refused by its type');
SELECT throws_ok(format('SELECT ordertrack.record_scan(%L, %L, now())', pg_temp.tn(:c), 'teleported'), '22023',
	'unknown scan status "teleported"', 'an unknown status');
SELECT throws_ok(format('SELECT ordertrack.record_scan(%L, %L, NULL)', pg_temp.tn(:c), 'returned'), '22004', NULL,
	'a scan without a time');

-- Feedback.
SELECT is(add_feedback(:c, 4, '包装很好'), 'returned', 'feedback is kept and leaves the stage alone');
SELECT is((SELECT feedback_rating || ' ' || feedback_comment FROM orders WHERE order_id = :c), '4 包装很好', 'on the order');
SELECT is(add_feedback(:a, 2, 'packaging was too thin, the box was damaged'), 'after_sales',
	'a low rating opens after_sales for a delivered order');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :a AND kind = 'feedback_received' AND topic = 'customer'
		   AND (payload ->> 'complaint')::boolean), 1, 'feedback_received is published to customer, marked as a complaint');
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'next', 'account', 'acc-a', 'recipient', '张三',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-2', 'quantity', 1)))) AS nxt \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT matches((SELECT detail FROM flags WHERE order_id = :nxt AND code = 'customer_history'),
	'packaging was too thin', 'the account''s next order carries the feedback');
SELECT throws_ok(format('SELECT ordertrack.add_feedback(%s, 6)', :c), '22023', 'a rating is 1 to 5, not 6', 'a rating above 5');
SELECT throws_ok('SELECT ordertrack.add_feedback(-1, 3)', '42704', 'order -1 does not exist', 'feedback for an unknown order');

SELECT * FROM finish();
ROLLBACK;
