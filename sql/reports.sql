-- What the people on duty read, on a small fixed data set of shop 'rp'
-- (times relative to the transaction's start, so that ages are exact; the
-- funnel's days hold orders taken at the same moment, whatever the time):
-- every view, timeline and lookup, as psql prints them.
BEGIN;
SET search_path = ordertrack, public;
SET TimeZone = 'Asia/Shanghai';
SET LOCAL session_replication_role = replica;	-- the rows as a restore brings them: no intake, no guard
INSERT INTO orders (shop, order_id, external_ref, account, recipient, phone, phone_normalized, address, province,
					stage, created_at, intake_checked_at, paid_at, tracking_no, carrier, confirmed_at, carrier_choice)
OVERRIDING SYSTEM VALUE VALUES
	('rp', 9001, 'RP-1', 'acc-a', '张三丰', '138 1234 5678', '+8613812345678', '北京市朝阳区建国路88号3号楼2单元501室', '北京市',
	 'in_transit', now() - interval '3 days', now(), now() - interval '3 days', '4111111111111110', 'SF',
	 now() - interval '3 days' + interval '1 hour',
	 '{"carrier": "SF", "rule": 30, "requirement": "urgent", "skipped": []}'),
	('rp', 9002, 'RP-2', 'acc-a', '张三丰', '138 1234 5678', '+8613812345678', '北京市朝阳区建国路88号3号楼2单元501室', '北京市',
	 'received', now() - interval '2 hours', now(), NULL, NULL, NULL, NULL, NULL),
	('rp', 9003, 'RP-3', 'acc-a', '张三丰', '138 1234 5678', '+8613812345678', '北京市朝阳区建国路88号3号楼2单元501室', '北京市',
	 'review', now() - interval '2 hours', now(), NULL, NULL, NULL, NULL, NULL),
	('rp', 9004, 'RP-4', 'acc-b', '李四', '139 0000 1111', '+8613900001111', '广东省深圳市南山区科技园路1号2栋301室', '广东省',
	 'delivered', now() - interval '3 days', now(), now() - interval '3 days', '4111111111111129', 'ZTO',
	 now() - interval '3 days' + interval '2 hours',
	 '{"carrier": "ZTO", "rule": 100, "requirement": "any", "skipped": [{"carrier": "SF", "rule": 30, "reason": "SF was on time in 广东省 for 60% of 20 parcels (under 90%)"}]}');
-- and one of long ago, cancelled: outside every window
INSERT INTO orders (shop, order_id, external_ref, account, stage, created_at, intake_checked_at)
OVERRIDING SYSTEM VALUE VALUES ('rp', 9005, 'RP-5', 'acc-c', 'cancelled', now() - interval '40 days', now());
INSERT INTO order_lines (shop, order_id, sku, quantity) VALUES
	('rp', 9001, 'RP-SKU', 1), ('rp', 9002, 'RP-SKU', 1), ('rp', 9003, 'RP-SKU', 2), ('rp', 9004, 'RP-SKU', 1);
INSERT INTO flags (shop, flag_id, order_id, code, severity, detail, raised_at, resolved_at, resolved_by, resolution) VALUES
	('rp', 8001, 9003, 'duplicate_suspect', 'block', 'ordered twice', now() - interval '90 minutes', NULL, NULL, NULL),
	('rp', 8002, 9002, 'payment_overdue', 'warn', 'Unpaid since 2 hours ago.', now() - interval '90 minutes', NULL, NULL, NULL),
	('rp', 8003, 9001, 'transit_stalled', 'warn', 'No scan since yesterday.', now() - interval '30 minutes', NULL, NULL, NULL),
	('rp', 8004, 9004, 'delivery_failed', 'warn', 'nobody home', now() - interval '2 days', now() - interval '1 day', 'desk', 'called');
INSERT INTO stage_history (shop, order_id, from_stage, to_stage, changed_at, actor, reason)
SELECT 'rp', o, f::stage, t::stage, now() - interval '3 days' + h * interval '1 hour', 'erp', 'step ' || h
  FROM (VALUES (9001, 'received', 'confirmed', 1), (9001, 'confirmed', 'picking', 3), (9001, 'picking', 'packed', 5),
			   (9001, 'packed', 'shipped', 6), (9001, 'shipped', 'in_transit', 30),
			   (9004, 'received', 'confirmed', 2), (9004, 'confirmed', 'picking', 3), (9004, 'picking', 'packed', 4),
			   (9004, 'packed', 'shipped', 8), (9004, 'shipped', 'delivered', 50),
			   (9005, 'received', 'confirmed', -960), (9005, 'confirmed', 'cancelled', -940)) AS v(o, f, t, h);
INSERT INTO scans (shop, order_id, tracking_no, status, scanned_at, location, detail) VALUES
	('rp', 9001, '4111111111111110', 'collected', now() - interval '66 hours', '北京', NULL),
	('rp', 9001, '4111111111111110', 'in_transit', now() - interval '42 hours', '天津', '转运中'),
	('rp', 9004, '4111111111111129', 'collected', now() - interval '64 hours', '深圳', NULL),
	('rp', 9004, '4111111111111129', 'delivered', now() - interval '22 hours', '深圳南山', NULL);
INSERT INTO carrier_shipments (shop, order_id, carrier, province, shipped_at, due_at, delivered_at) VALUES
	('rp', 9001, 'SF', '北京市', now() - interval '66 hours', now() - interval '18 hours', NULL),
	('rp', 9004, 'ZTO', '广东省', now() - interval '64 hours', now() + interval '8 hours', now() - interval '22 hours');
INSERT INTO events (shop, order_id, topic, kind, created_at) VALUES
	('rp', 9001, 'logistics', 'waybill_requested', now() - interval '3 days' + interval '1 hour');
SET LOCAL session_replication_role = origin;
SELECT refresh_carrier_scores(now());

SELECT shop, stage, orders, held, overdue, now() - oldest AS "oldest (age)" FROM board WHERE shop = 'rp' ORDER BY stage;
SELECT shop, flag_id, order_id, external_ref, stage, severity, code, age, detail FROM open_flags WHERE shop = 'rp';
SELECT shop, order_id, external_ref, stage, code, open_for, detail FROM sla_breaches WHERE shop = 'rp' ORDER BY order_id;
SELECT shop, carrier, name, province, shipped, delivered, judged, on_time_pct, on_time, median_days, p90_days, failed_attempts, lost
  FROM carrier_scorecard WHERE shop = 'rp';
SELECT * FROM stage_durations WHERE shop = 'rp';
SELECT shop, received, confirmed, shipped, delivered, delivered_share FROM funnel WHERE shop = 'rp';
SELECT * FROM merge_candidates WHERE shop = 'rp';
SELECT at - now() AS "at (from now)", what, detail, who FROM timeline(9001);
SELECT at - now() AS "at (from now)", what, detail, who FROM timeline(9004);
-- the customer: the right digits, wrong digits, not four digits, an unknown number
SELECT stage, carrier, last_scan, last_scan_at - now() AS "last_scan_at (from now)", last_scan_location, recipient
  FROM lookup('4111111111111110', '5678');
SELECT count(*) AS rows FROM lookup('4111111111111110', '5679');
SELECT count(*) AS rows FROM lookup('4111111111111110', '678');
SELECT count(*) AS rows FROM lookup('4111111111111132', '5678');
-- bars line up: a column of them, from nothing to full
SELECT v, bar(v, 8, 4) || '|' AS bar FROM generate_series(0, 9) v;
-- an order that does not exist
SELECT * FROM timeline(424242);
ROLLBACK;
