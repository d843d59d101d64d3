-- pgTAP: carriers that earn their place.  The shipped promises; the
-- carriers' record that record_scan keeps; the scorecards computed from it
-- on a small fixed set (exact figures); choose_carrier passing over a
-- carrier late in one province (and still choosing it in another), with
-- why on the order and in the waybill event; the sweep refreshing the
-- scorecards.
BEGIN;
SET search_path = ordertrack, public;
-- orders that arrive checked, as a restore brings them (superuser only)
SET ordertrack.restoring = on;
SELECT plan(23);
\ir lib/error_of.sql

SELECT is((SELECT string_agg(carrier || ' ' || province || ' ' || days, ', ' ORDER BY carrier, province)
			 FROM carrier_promises WHERE carrier = 'SF' AND province IN ('*', '新疆维吾尔自治区')),
	'SF * 2, SF 新疆维吾尔自治区 4', 'carriers promise days per province, longer in the remote ones');

-- The record: an order collected, attempted, delivered.
INSERT INTO products (sku, title) VALUES ('CA-1', 'hoodie');
SELECT submit_order(jsonb_build_object('shop', 'ca', 'external_ref', 'CA-1', 'account', 'acc-1', 'recipient', '张三',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'lines', '[{"sku": "CA-1", "quantity": 1}]'::jsonb)) AS one \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is(mark_paid(:one, '2030-02-01 09:00+08'), '2030-02-01 09:00+08'::timestamptz, 'paid');
SELECT is(confirm(:one) IS NOT NULL, true, 'confirmed: ZTO, an ordinary order');
SELECT is(advance(:one, 'picking', 'picking')::text || ' ' || advance(:one, 'packed', 'packed')::text, 'picking packed',
	'picked and packed');
SELECT is(ARRAY[record_scan(tracking_no, 'collected', '2030-02-01 18:00+08', '北京'),
				record_scan(tracking_no, 'failed_attempt', '2030-02-03 10:00+08', '北京'),
				record_scan(tracking_no, 'delivered', '2030-02-03 17:00+08', '北京')]::text[],
	ARRAY['shipped', 'delivery_failed', 'delivered'],
	'collected, one failed attempt, delivered (the courier''s next round, with no out_for_delivery scan)')
  FROM orders WHERE order_id = :one;
SELECT is((SELECT format('%s %s %s %s %s %s', carrier, province, shipped_at, due_at, delivered_at, failed_attempts)
			 FROM carrier_shipments WHERE order_id = :one),
	format('ZTO 北京市 %s %s %s 1', '2030-02-01 18:00+08'::timestamptz, '2030-02-04 18:00+08'::timestamptz,
		   '2030-02-03 17:00+08'::timestamptz),
	'the record: collected, due by ZTO''s promise of 3 days, delivered, one failed attempt');

-- A fixed set: in February 2030, SF took 20 parcels to 广东省 (12 delivered
-- in a day, 8 in 4 days: late for a promise of 2) and 20 to 北京市 (all in a
-- day); ZTO 5 to 广东省 (3 delivered in 2 days, 1 lost, 1 still on its way
-- and not yet due).
SET LOCAL session_replication_role = replica;	-- the orders as a restore brings them: no intake
INSERT INTO orders (shop, external_ref, account, intake_checked_at, stage, carrier)
SELECT 'ca', 'F-' || g, 'acc-f', now(), 'delivered', CASE WHEN g <= 40 THEN 'SF' ELSE 'ZTO' END FROM generate_series(1, 45) g;
INSERT INTO carrier_shipments (shop, order_id, carrier, province, shipped_at, due_at, delivered_at, lost)
SELECT 'ca', o.order_id, o.carrier, CASE WHEN g <= 20 OR g > 40 THEN '广东省' ELSE '北京市' END,
	   t.shipped, t.shipped + CASE WHEN g <= 40 THEN interval '2 days' ELSE interval '3 days' END,
	   CASE WHEN g <= 12 OR g BETWEEN 21 AND 40 THEN t.shipped + interval '1 day'
			WHEN g <= 20 THEN t.shipped + interval '4 days'
			WHEN g <= 43 THEN t.shipped + interval '2 days' END,
	   g = 44
  FROM generate_series(1, 45) g
  JOIN orders o ON o.shop = 'ca' AND o.external_ref = 'F-' || g,
	   LATERAL (SELECT CASE WHEN g = 45 THEN timestamptz '2030-02-27 10:00+08'
							ELSE timestamptz '2030-02-01 10:00+08' + (g % 20) * interval '1 day' END AS shipped) t;
SET LOCAL session_replication_role = origin;

SELECT is(refresh_carrier_scores('2030-03-01 00:00+08'), 4, 'four scorecards: ca''s SF and ZTO in 广东省, SF in 北京市, ZTO in 北京市');
SELECT results_eq($$
	SELECT carrier, province, shipped, delivered, judged, on_time, on_time_rate, median_days, p90_days, failed_attempts, lost
	  FROM carrier_scores WHERE shop = 'ca' ORDER BY carrier, province$$,
	$$VALUES ('SF', '北京市', 20, 20, 20, 20, 1.000, 1.0, 1.0, 0, 0),
			 ('SF', '广东省', 20, 20, 20, 12, 0.600, 1.0, 4.0, 0, 0),
			 ('ZTO', '北京市', 1, 1, 1, 1, 1.000, 2.0, 2.0, 1, 0),
			 ('ZTO', '广东省', 5, 3, 4, 3, 0.750, 2.0, 2.0, 0, 1)$$,
	'shipped, delivered, judged (delivered, lost or past due), on time, the rate, median and p90 days, failed attempts, lost');

-- Choosing: an urgent order goes with SF, unless SF is late where it goes.
SELECT submit_order(jsonb_build_object('shop', 'ca', 'external_ref', 'U-GD', 'account', 'acc-gd', 'recipient', '李四',
	'phone', '13812345678', 'address', '广东省深圳市南山区科技园路1号2栋301室', 'urgent', true,
	'lines', '[{"sku": "CA-1", "quantity": 1}]'::jsonb)) AS gd \gset
SELECT submit_order(jsonb_build_object('shop', 'ca', 'external_ref', 'U-BJ', 'account', 'acc-bj', 'recipient', '王五',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元502室', 'urgent', true,
	'lines', '[{"sku": "CA-1", "quantity": 1}]'::jsonb)) AS bj \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is(choose_carrier(:bj), 'SF', 'an urgent order to 北京市 goes with SF, on time there');
SELECT is(choose_carrier(:gd), 'ZTO', 'an urgent order to 广东省 passes over SF, late there, for the next rule''s carrier');
SELECT is(carrier_choice(:gd), jsonb_build_object('carrier', 'ZTO', 'rule', 100, 'requirement', 'any', 'skipped',
	jsonb_build_array(jsonb_build_object('carrier', 'SF', 'rule', 30, 'on_time_rate', 0.600, 'judged', 20,
		'reason', 'SF was on time in 广东省 for 60% of 20 parcels (under 90%)'))),
	'carrier_choice says which rule chose and which carrier was passed over, and why');
SELECT is(mark_paid(:gd, now()) IS NOT NULL AND confirm(:gd) IS NOT NULL, true, 'the order to 广东省 is confirmed');
SELECT is((SELECT carrier || ' ' || (carrier_choice->'skipped'->0->>'carrier') FROM orders WHERE order_id = :gd), 'ZTO SF',
	'the order records its carrier and the one passed over');
SELECT is((SELECT payload->'carrier_choice'->'skipped'->0->>'reason' FROM events WHERE order_id = :gd AND kind = 'waybill_requested'),
	'SF was on time in 广东省 for 60% of 20 parcels (under 90%)', 'and so does the waybill event');
SET LOCAL ordertrack.min_scorecard_sample = 21;
SELECT is(choose_carrier(:gd), 'SF', 'with 20 parcels under the sample a scorecard needs, SF is not passed over');
SET LOCAL ordertrack.min_scorecard_sample = 4;
SELECT is(carrier_choice(:gd) - 'all_late', jsonb_build_object('carrier', 'SF', 'rule', 30, 'requirement', 'urgent', 'skipped', '[]'::jsonb),
	'when every carrier the rules allow is late there (ZTO 75% of 4), the first rule''s: SF');
RESET ordertrack.min_scorecard_sample;

-- What the customer sees: only with the phone's last four digits.
SELECT is((SELECT stage::text || ' ' || carrier || ' ' || last_scan || ' ' || recipient FROM lookup(tracking_no, '5678'))
	, 'delivered ZTO delivered 张*', 'lookup with the last four digits of the phone: stage, carrier, last scan, masked recipient')
  FROM orders WHERE order_id = :one;
SELECT is((SELECT count(*)::int FROM lookup(tracking_no, '5679')) + (SELECT count(*)::int FROM lookup(tracking_no, NULL))
		  + (SELECT count(*)::int FROM lookup(tracking_no, '45678')), 0,
	'no row with other digits, none with no digits, none with five')
  FROM orders WHERE order_id = :one;
SELECT is((SELECT count(*)::int FROM lookup('4111111111111110', '5678')), 0, 'no row for a number no parcel has');

-- The sweep keeps them current.
SELECT is((SELECT count(*)::int FROM ordertrack.sweep('2030-03-02 00:00+08')), 5, 'a sweep');
SELECT is((SELECT DISTINCT refreshed_at FROM carrier_scores), '2030-03-02 00:00+08'::timestamptz,
	'computed the scorecards again for its time');

SELECT throws_ok('SELECT ordertrack.refresh_carrier_scores(NULL)', '22004', 'the time to refresh at must not be null',
	'refresh_carrier_scores refuses a null time');
SELECT throws_ok('SELECT ordertrack.carrier_choice(-1)', '42704', 'order -1 does not exist', 'carrier_choice of an unknown order');
SELECT * FROM finish();
ROLLBACK;
