-- pgTAP: confirmation and the warehouse.  mark_paid, choose_carrier and its
-- rules, confirm (what it checks, the tracking number, the carrier, the three
-- hand-over events), record_pick and report_shortage, with every error a
-- caller can provoke.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(65);

INSERT INTO products (sku, title, spec, colour, fragile, cold_chain, customizable) VALUES
	('HD-1', 'hoodie', 'L', 'grey', false, false, false),
	('CUP-1', 'mug', '350ml', 'white', true, false, true),
	('ICE-1', 'ice cream', '1kg', NULL, false, true, false);
INSERT INTO customer_notes (shop, account, note) VALUES ('s1', 'acc-cup', 'last time the packaging was too thin');

-- An order through intake, checked at once.
CREATE FUNCTION pg_temp.intake(ref text, changes jsonb DEFAULT '{}') RETURNS bigint LANGUAGE sql AS $$
	SELECT ordertrack.submit_order(jsonb_build_object('shop', 's1', 'external_ref', ref, 'account', 'acc-' || ref,
		'recipient', '张三', 'phone', '138 1234 5678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'title', 'hoodie', 'spec', 'L', 'colour', 'grey', 'quantity', 2)))
		|| changes);
	SET CONSTRAINTS ALL IMMEDIATE;
	SET CONSTRAINTS ALL DEFERRED;
	SELECT order_id FROM ordertrack.orders WHERE shop = 's1' AND external_ref = ref;
$$;
CREATE FUNCTION pg_temp.events(id bigint, k text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_agg(payload ORDER BY event_id) FROM ordertrack.events WHERE order_id = id AND kind = k
$$;
\ir lib/error_of.sql

-- Payment.
SELECT pg_temp.intake('plain') AS plain \gset
SELECT is((pg_temp.error_of(format('SELECT ordertrack.confirm(%s)', :plain)))[1:2],
	ARRAY['55000', format('order %s is not paid', :plain)], 'an unpaid order cannot be confirmed');
SELECT matches((pg_temp.error_of(format('SELECT ordertrack.confirm(%s)', :plain)))[4], 'mark_paid',
	'and the hint says how to record the payment');
SELECT is(mark_paid(:plain, '2026-11-26 10:00+00'), '2026-11-26 10:00+00'::timestamptz, 'mark_paid records the payment');
SELECT is(mark_paid(:plain), '2026-11-26 10:00+00'::timestamptz, 'a second payment returns the first one''s time');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :plain AND kind = 'order_paid' AND topic = 'customer'), 1,
	'order_paid is published once, to customer');
SELECT throws_ok('SELECT ordertrack.mark_paid(-1)', '42704', 'order -1 does not exist', 'mark_paid of an unknown order');
SELECT throws_ok(format('SELECT ordertrack.mark_paid(%s, NULL)', :plain), '22004', NULL, 'a null payment time');

-- Carriers.
SELECT is(choose_carrier(:plain), 'ZTO', 'an ordinary order goes with the default carrier');
SELECT pg_temp.intake('remote', '{"address": "新疆乌鲁木齐市天山区解放北路100号2单元301室"}') AS remote \gset
SELECT is(choose_carrier(:remote), 'EMS', 'a remote region goes with EMS');
SELECT pg_temp.intake('urgent', '{"urgent": true}') AS urgent \gset
SELECT is(choose_carrier(:urgent), 'SF', 'an urgent order goes with SF Express');
SELECT pg_temp.intake('ice', '{"address": "新疆乌鲁木齐市天山区解放北路100号2单元301室", "lines": [{"sku": "ICE-1", "title": "ice cream", "spec": "1kg", "quantity": 1}]}') AS ice \gset
SELECT is(choose_carrier(:ice), 'SF', 'a cold-chain order goes with a carrier that carries chilled goods, even when remote');
UPDATE carrier_rules SET enabled = false WHERE priority = 10;
SELECT is((pg_temp.error_of(format('SELECT ordertrack.choose_carrier(%s)', :ice)))[1:2],
	ARRAY['55000', format('no carrier for order %s', :ice)],
	'without the cold-chain rule, no rule''s carrier carries chilled goods: an error, not a warm parcel');
UPDATE carrier_rules SET enabled = true WHERE priority = 10;
UPDATE carriers SET enabled = false WHERE carrier = 'SF';
INSERT INTO carrier_rules (priority, requirement, carrier) VALUES (15, 'cold_chain', 'JD');
SELECT is(choose_carrier(:ice), 'JD', 'with SF switched off, the next cold-chain rule''s carrier');
UPDATE carriers SET enabled = true WHERE carrier = 'SF';
INSERT INTO carrier_rules (priority, requirement, carrier) VALUES (5, 'fragile', 'JD');
SELECT is((SELECT origin FROM carrier_rules WHERE priority = 5), 'custom', 'a shop''s own rule is custom');
SELECT throws_ok('SELECT ordertrack.choose_carrier(-1)', '42704', 'order -1 does not exist', 'choose_carrier of an unknown order');

-- Confirmation.
SELECT ok(confirm(:plain) IS NOT NULL, 'a paid order is confirmed');
SELECT is((SELECT stage FROM orders WHERE order_id = :plain), 'confirmed', 'it moves to confirmed');
SELECT ok((SELECT tracking_no_valid(tracking_no::text) FROM orders WHERE order_id = :plain), 'with a valid tracking number');
SELECT is((SELECT carrier FROM orders WHERE order_id = :plain), 'ZTO', 'and its carrier');
SELECT is(confirm(:plain), (SELECT tracking_no FROM orders WHERE order_id = :plain), 'confirming again returns the same number');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :plain AND kind = 'pick_requested'), 1, 'and publishes nothing again');
SELECT is((SELECT reason FROM stage_history WHERE order_id = :plain AND to_stage = 'confirmed'),
	'confirmed: ZTO, ' || (SELECT tracking_no::text FROM orders WHERE order_id = :plain), 'the move says carrier and number');
SELECT is((SELECT actor FROM stage_history WHERE order_id = :plain AND to_stage = 'confirmed'), session_user::text,
	'as the session''s user');
SELECT is((pg_temp.events(:plain, 'pick_requested') -> 0) - 'tracking_no' - 'lines',
	jsonb_build_object('order_id', :plain, 'external_ref', 'plain', 'carrier', 'ZTO', 'fragile', false, 'cold_chain', false,
		'service_requirements', '{none}'::text[], 'customer_history', NULL),
	'pick_requested goes to the warehouse with carrier, handling, service requirements and history');
SELECT is((SELECT topic FROM events WHERE order_id = :plain AND kind = 'pick_requested'), 'warehouse', 'on topic warehouse');
SELECT is(jsonb_path_query_array(pg_temp.events(:plain, 'pick_requested') -> 0 -> 'lines', '$[*].quantity'), '[2]',
	'with the lines and quantities');
SELECT is((pg_temp.events(:plain, 'waybill_requested') -> 0) - 'tracking_no' - 'order_id',
	jsonb_build_object('external_ref', 'plain', 'carrier', 'ZTO', 'recipient', '张三', 'phone', '138 1234 5678',
		'phone_normalized', '+8613812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'province', '北京市',
		'city', '北京市', 'district', '朝阳区', 'region_code', 110105, 'remote', false,
		'service_requirements', '{none}'::text[], 'cash_on_delivery', false,
		'carrier_choice', jsonb_build_object('carrier', 'ZTO', 'rule', 100, 'requirement', 'any', 'skipped', '[]'::jsonb)),
	'waybill_requested goes to logistics with recipient, normalised phone, address, region, requirements and how the carrier was chosen');
SELECT is((SELECT topic FROM events WHERE order_id = :plain AND kind = 'waybill_requested'), 'logistics', 'on topic logistics');
SELECT is(pg_temp.events(:plain, 'production_requested'), NULL, 'no production request without customised lines');
SELECT is((SELECT payload ->> 'tracking_no' FROM events WHERE order_id = :plain AND kind = 'stage_changed' AND payload ->> 'to' = 'confirmed'),
	(SELECT tracking_no::text FROM orders WHERE order_id = :plain), 'stage_changed carries the tracking number');

-- A customised, fragile order paid cash on delivery, for an account with history.
SELECT pg_temp.intake('cup', '{"cash_on_delivery": true, "lines": [{"sku": "CUP-1", "title": "mug", "spec": "350ml", "colour": "white", "quantity": 1, "customization": "  给妈妈 ❤ 2026  "}, {"sku": "HD-1", "title": "hoodie", "spec": "L", "colour": "grey", "quantity": 1}]}') AS cup \gset
SELECT ok(confirm(:cup) IS NOT NULL, 'a cash-on-delivery order is confirmed unpaid');
SELECT is(pg_temp.events(:cup, 'production_requested') -> 0 -> 'lines' -> 0 ->> 'customization', '  给妈妈 ❤ 2026  ',
	'production_requested carries the customisation byte for byte');
SELECT is(jsonb_array_length(pg_temp.events(:cup, 'production_requested') -> 0 -> 'lines'), 1, 'only the customised line');
SELECT is((SELECT topic FROM events WHERE order_id = :cup AND kind = 'production_requested'), 'production', 'on topic production');
SELECT is((pg_temp.events(:cup, 'pick_requested') -> 0) -> 'fragile', 'true', 'the pick request says fragile');
SELECT is((pg_temp.events(:cup, 'pick_requested') -> 0) ->> 'customer_history', 'last time the packaging was too thin',
	'and carries the customer''s history');
SELECT is(choose_carrier(:cup), 'JD', 'the shop''s own fragile rule chose JD');

-- What confirm refuses.
SELECT pg_temp.intake('held', '{"recipient": ""}') AS held \gset
SELECT mark_paid(:held);
SELECT is(pg_temp.error_of(format('SELECT ordertrack.confirm(%s)', :held)),
	ARRAY['55000', format('order %s is held for review', :held),
		  format('Open blocking flags: name_missing (flag %s).', (SELECT flag_id FROM flags WHERE order_id = :held AND code = 'name_missing')),
		  'Resolve them with ordertrack.resolve_flag(flag_id, note), then confirm.'],
	'an order held for review names its open blocking flags');
SELECT resolve_flag(flag_id, 'name given by phone') FROM flags WHERE order_id = :held AND code = 'name_missing';
UPDATE orders SET stage = 'review' WHERE order_id = :held;
SELECT ok(confirm(:held) IS NOT NULL, 'in review with no open blocking flag, it is confirmed');
SELECT pg_temp.intake('gone') AS gone \gset
SELECT mark_paid(:gone);
SELECT advance(:gone, 'cancelled');
SELECT is((pg_temp.error_of(format('SELECT ordertrack.confirm(%s)', :gone)))[1:2],
	ARRAY['55000', format('order %s cannot be confirmed in stage cancelled', :gone)], 'a cancelled order cannot be confirmed');
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'fresh', 'account', 'a', 'recipient', '张三',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'cash_on_delivery', true,
	'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1)))) AS fresh \gset
SELECT is((pg_temp.error_of(format('SELECT ordertrack.confirm(%s)', :fresh)))[1:2],
	ARRAY['55000', format('order %s has not been checked by intake yet', :fresh)],
	'an order inserted in the same transaction is confirmed after intake checked it');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT throws_ok('SELECT ordertrack.confirm(-1)', '42704', 'order -1 does not exist', 'confirm of an unknown order');

-- Picking.
SELECT is(record_pick(:cup, 'CUP-1', 1), 0.5, 'a pick returns the order''s progress');
SELECT is((SELECT stage FROM orders WHERE order_id = :cup), 'picking', 'and moves a confirmed order to picking');
SELECT is((SELECT picked FROM order_lines WHERE order_id = :cup AND sku = 'CUP-1'), 1, 'the line keeps what was picked');
SELECT is((pg_temp.error_of(format('SELECT ordertrack.record_pick(%s, %L, 1)', :cup, 'CUP-1')))[1:2],
	ARRAY['22023', 'picking 1 of SKU CUP-1 would exceed the 1 ordered'], 'never more than ordered');
SELECT is(pg_temp.events(:cup, 'pick_completed'), NULL, 'no pick_completed before all is picked');
SELECT is(record_pick(:cup, 'HD-1', 1), 1.0, 'the last unit completes the pick');
SELECT is((SELECT pick_progress FROM orders WHERE order_id = :cup), 1.0, 'the order keeps its progress');
SELECT is((SELECT topic FROM events WHERE order_id = :cup AND kind = 'pick_completed'), 'warehouse',
	'pick_completed is published to the warehouse');
SELECT throws_ok(format('SELECT ordertrack.record_pick(%s, %L, 1)', :cup, 'NOPE'), '42704', NULL, 'a SKU not on the order');
SELECT throws_ok(format('SELECT ordertrack.record_pick(%s, %L, 0)', :cup, 'HD-1'), '22023', NULL, 'a pick of no units');
SELECT throws_ok(format('SELECT ordertrack.record_pick(%s, %L, 1)', :remote, 'HD-1'), '55000', NULL,
	'an order that is not confirmed is not picked');

-- Shortage.
SELECT pg_temp.intake('short') AS short \gset
SELECT mark_paid(:short);
SELECT confirm(:short) IS NOT NULL;
SELECT ok(report_shortage(:short, 'HD-1', 1) > 0, 'a shortage raises a flag');
SELECT is((SELECT stage FROM orders WHERE order_id = :short), 'review', 'and moves the order to review');
SELECT is((SELECT code || ' ' || severity || ': ' || detail FROM flags WHERE order_id = :short AND code = 'stock_short'),
	'stock_short block: SKU HD-1: 2 ordered, 1 on the shelf', 'a blocking stock_short flag saying what is short');
SELECT is((SELECT payload ->> 'code' FROM events WHERE order_id = :short AND kind = 'flag_raised' AND topic = 'alerts'),
	'stock_short', 'published to alerts');
SELECT throws_ok(format('SELECT ordertrack.report_shortage(%s, %L, 2)', :short, 'HD-1'), '22023', NULL,
	'enough on the shelf is no shortage');
SELECT throws_ok(format('SELECT ordertrack.report_shortage(%s, %L, -1)', :short, 'HD-1'), '22023', NULL, 'nor is a negative count');

-- The way back: the shelf is restocked, the flag resolved; the order was
-- confirmed, so it returns to confirmed (not received), keeps its tracking
-- number, and picking goes on.
SELECT tracking_no AS short_tn FROM orders WHERE order_id = :short \gset
SELECT is(resolve_flag((SELECT flag_id FROM flags WHERE order_id = :short AND code = 'stock_short'), 'restocked'),
	'confirmed'::stage, 'resolving the shortage returns the confirmed order to confirmed');
SELECT is((SELECT to_stage::text || ' by ' || actor FROM stage_history WHERE order_id = :short ORDER BY change_id DESC LIMIT 1),
	'confirmed by ' || current_user, 'the move back is recorded, by who resolved the flag');
SELECT count(*) AS short_events FROM events WHERE order_id = :short \gset
SELECT is(confirm(:short)::text, :'short_tn', 'confirm() again returns the same tracking number');
SELECT is((SELECT count(*) FROM events WHERE order_id = :short), :short_events::bigint, 'and publishes nothing');
SELECT is(record_pick(:short, 'HD-1', 2), 1::numeric, 'picking goes on: every unit picked');
SELECT is((SELECT stage FROM orders WHERE order_id = :short), 'picking', 'and the order is being picked');

SELECT * FROM finish();
ROLLBACK;
