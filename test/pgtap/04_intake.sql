-- pgTAP: order intake.  Every flag code that intake raises, the stage it
-- leaves the order in, service requirements, events, the errors a caller can
-- provoke, restored rows, settings (GUCs), resolve_flag, and hostile input.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(117);

INSERT INTO products (sku, title, spec, colour, active, fragile, cold_chain, customizable) VALUES
	('HD-1', 'hoodie', 'L', 'grey', true, false, false, false),
	('OLD-1', 'old hoodie', 'L', 'grey', false, false, false, false),
	('CUP-1', 'mug', '350ml', 'white', true, true, false, true),
	('ICE-1', 'ice cream', '1kg', NULL, true, false, true, false);

-- An order as the ERP sends it, with some keys replaced; intake runs at once.
CREATE FUNCTION pg_temp.o(ref text, changes jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('shop', 's1', 'external_ref', ref, 'account', 'acc-' || ref,
		'recipient', '张三', 'phone', '13812345678',
		'address', '北京市朝阳区建国路88号3号楼2单元501室',
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'title', 'hoodie', 'spec', 'L', 'colour', 'grey', 'quantity', 1)))
		|| changes
$$;
\ir lib/error_of.sql
CREATE FUNCTION pg_temp.intake(o jsonb) RETURNS bigint LANGUAGE sql AS $$
	SELECT ordertrack.submit_order(o);
	SET CONSTRAINTS ALL IMMEDIATE;
	SET CONSTRAINTS ALL DEFERRED;
	SELECT order_id FROM ordertrack.orders WHERE shop = o ->> 'shop' AND external_ref = o ->> 'external_ref';
$$;
CREATE FUNCTION pg_temp.codes(ref text) RETURNS text[] LANGUAGE sql AS $$
	SELECT coalesce(array_agg(f.code ORDER BY f.code), '{}') FROM ordertrack.flags f
	  JOIN ordertrack.orders o USING (shop, order_id) WHERE o.external_ref = ref
$$;
CREATE FUNCTION pg_temp.stage(ref text) RETURNS ordertrack.stage LANGUAGE sql AS $$
	SELECT stage FROM ordertrack.orders WHERE external_ref = ref
$$;

-- A clean order.
SELECT ok(pg_temp.intake(pg_temp.o('clean')) > 0, 'a clean order is taken');
SELECT is(pg_temp.codes('clean'), '{}'::text[], 'a clean order has no flags');
SELECT is(pg_temp.stage('clean'), 'received', 'and stays received');
SELECT is((SELECT service_requirements FROM orders WHERE external_ref = 'clean'), '{none}'::text[],
	'service requirements are {none} when nothing applies');
SELECT is((SELECT phone_normalized || ' ' || province || city || district || ' ' || region_code || ' ' || remote
		   FROM orders WHERE external_ref = 'clean'), '+8613812345678 北京市北京市朝阳区 110105 false',
	'phone and region are derived');
SELECT is((SELECT count(*)::int FROM events e JOIN orders o USING (shop, order_id)
		   WHERE o.external_ref = 'clean' AND e.kind = 'order_received' AND e.topic = 'intake'), 1,
	'exactly one order_received event on topic intake');

-- An order changed or deleted before its transaction commits: the check
-- reads the order as it is at commit.
SELECT submit_order(pg_temp.o('changed'));
UPDATE orders SET remarks = '请周末配送' WHERE external_ref = 'changed';
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT service_requirements FROM orders WHERE external_ref = 'changed'), '{weekend_delivery}'::text[],
	'an order changed before commit is checked as it is at commit');
SELECT is(pg_temp.codes('changed'), '{special_request}'::text[], 'with the flags of its final version');
SELECT submit_order(pg_temp.o('gone'));
DELETE FROM orders WHERE external_ref = 'gone';
SELECT lives_ok('SET CONSTRAINTS ALL IMMEDIATE', 'an order deleted before commit is not checked, and no error');
SET CONSTRAINTS ALL DEFERRED;

-- 1. The customer.
SELECT pg_temp.intake(pg_temp.o('noname', '{"recipient": " 。。 "}'));
SELECT is(pg_temp.codes('noname'), '{name_missing}'::text[], 'a punctuation-only recipient is name_missing');
SELECT is(pg_temp.stage('noname'), 'review', 'a blocking flag holds the order in review');
SELECT pg_temp.intake(pg_temp.o('nullname', '{"recipient": null}'));
SELECT is(pg_temp.codes('nullname'), '{name_missing}'::text[], 'a missing recipient is name_missing');
SELECT pg_temp.intake(pg_temp.o('badphone', '{"phone": "12345"}'));
SELECT is(pg_temp.codes('badphone'), '{phone_invalid}'::text[], 'an impossible phone is phone_invalid');
SELECT pg_temp.intake(pg_temp.o('nophone', '{"phone": null}'));
SELECT is(pg_temp.codes('nophone'), '{phone_invalid}'::text[], 'a missing phone is phone_invalid');
SELECT pg_temp.intake(pg_temp.o('landline', '{"phone": "+86 (0)10 6234 5678 转 12"}'));
SELECT is(pg_temp.codes('landline'), '{}'::text[], 'a landline with extension is fine');
SELECT pg_temp.intake(pg_temp.o('foreign', '{"phone": "+44 20 7946 0958"}'));
SELECT is(pg_temp.codes('foreign'), '{}'::text[], 'a plausible foreign number is fine');
SELECT pg_temp.intake(pg_temp.o('short', '{"address": "北京朝阳"}'));
SELECT is(pg_temp.codes('short'), '{address_incomplete}'::text[], 'a too short address is address_incomplete');
SELECT pg_temp.intake(pg_temp.o('compound', '{"address": "上海市浦东新区某某花园小区"}'));
SELECT is(pg_temp.codes('compound'), '{address_needs_unit}'::text[], 'an address with no door number is address_needs_unit');
SELECT pg_temp.intake(pg_temp.o('noregion', '{"address": "Flat 5, 10 Downing Street, London"}'));
SELECT is(pg_temp.codes('noregion'), '{region_unknown}'::text[], 'no recognised province is region_unknown');
SELECT is(pg_temp.stage('noregion'), 'received', 'region_unknown only warns');
SELECT pg_temp.intake(pg_temp.o('remote', '{"address": "新疆乌鲁木齐天山区解放北路5号2单元"}'));
SELECT is((SELECT remote FROM orders WHERE external_ref = 'remote'), true, 'a Xinjiang address is remote');

-- 2. The items.
SELECT pg_temp.intake(pg_temp.o('unknown', '{"lines": [{"sku": "NOPE", "quantity": 1}]}'));
SELECT is(pg_temp.codes('unknown'), '{sku_unknown}'::text[], 'an unknown SKU is sku_unknown');
-- many of one kind: five flags, the last counting the rest; one reason
SELECT pg_temp.intake(pg_temp.o('many', jsonb_build_object('lines',
	(SELECT jsonb_agg(jsonb_build_object('sku', 'NOPE-' || g, 'quantity', 1) ORDER BY g) FROM generate_series(1, 2000) g))));
SELECT is((SELECT array_agg(f.detail ORDER BY f.flag_id) FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'many'),
	ARRAY['SKU NOPE-1 is not in the catalogue.', 'SKU NOPE-2 is not in the catalogue.', 'SKU NOPE-3 is not in the catalogue.',
		  'SKU NOPE-4 is not in the catalogue.',
		  'SKU NOPE-5 is not in the catalogue. (and 1995 more sku_unknown findings on this order)'],
	'an order of 2,000 unknown SKUs has five sku_unknown flags, the last counting the other 1,995');
SELECT is((SELECT count(*)::int FROM events e JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'many'), 7,
	'and seven events (received, held, five flags)');
SELECT is((SELECT h.reason FROM stage_history h JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'many'),
	'held by intake: sku_unknown', 'its stage reason names each code once');
SELECT pg_temp.intake(pg_temp.o('inactive', '{"lines": [{"sku": "OLD-1", "quantity": 1}]}'));
SELECT is(pg_temp.codes('inactive'), '{sku_unknown}'::text[], 'an inactive SKU is sku_unknown');
SELECT pg_temp.intake(pg_temp.o('sweater', '{"lines": [{"sku": "HD-1", "title": "sweater", "spec": "L", "colour": "GREY", "quantity": 2}]}'));
SELECT is(pg_temp.codes('sweater'), '{sku_mismatch}'::text[], 'a title that differs from the catalogue is sku_mismatch');
SELECT matches((SELECT detail FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'sweater'),
	'hoodie.*sweater', 'the detail names the field and both values');
SELECT pg_temp.intake(pg_temp.o('bulk', '{"lines": [{"sku": "HD-1", "quantity": 51}]}'));
SELECT is(pg_temp.codes('bulk'), '{quantity_unusual}'::text[], 'a quantity above ordertrack.bulk_quantity is quantity_unusual');
SET ordertrack.bulk_quantity = 100;
SELECT pg_temp.intake(pg_temp.o('bulk100', '{"lines": [{"sku": "HD-1", "quantity": 51}]}'));
SELECT is(pg_temp.codes('bulk100'), '{}'::text[], 'ordertrack.bulk_quantity is a setting');
RESET ordertrack.bulk_quantity;
SELECT pg_temp.intake(pg_temp.o('engrave', jsonb_build_object('lines', jsonb_build_array(
	jsonb_build_object('sku', 'CUP-1', 'quantity', 1, 'customization', E'  To Mum 🙂\n  love, Li  ')))));
SELECT is(pg_temp.codes('engrave'), '{customization}'::text[], 'a customised line is an info flag');
SELECT is((SELECT customization FROM order_lines l JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'engrave'),
	E'  To Mum 🙂\n  love, Li  ', 'the customisation is kept byte for byte');
SELECT is((SELECT service_requirements FROM orders WHERE external_ref = 'engrave'), '{fragile,customized}'::text[],
	'product attributes become service requirements');
SELECT pg_temp.intake(pg_temp.o('ice', '{"lines": [{"sku": "ICE-1", "quantity": 1}]}'));
SELECT is((SELECT service_requirements FROM orders WHERE external_ref = 'ice'), '{cold_chain}'::text[], 'cold-chain products need cold chain');

-- 3. Special requests.
SELECT pg_temp.intake(pg_temp.o('remarks', '{"remarks": "周末配送，放快递柜，别打电话", "urgent": true}'));
SELECT is(pg_temp.codes('remarks'), '{special_request}'::text[], 'remarks with requests raise special_request');
SELECT is((SELECT service_requirements FROM orders WHERE external_ref = 'remarks'),
	'{weekend_delivery,parcel_locker,sms_only,urgent}'::text[], 'and become service requirements, with urgent');

-- 4. Duplicates.
SELECT pg_temp.intake(pg_temp.o('dup1', '{"account": "repeat"}'));
SELECT pg_temp.intake(pg_temp.o('dup2', '{"account": "repeat"}'));
SELECT is(pg_temp.codes('dup1'), '{}'::text[], 'the first order of an account is not a duplicate');
SELECT is(pg_temp.codes('dup2'), '{duplicate_suspect}'::text[], 'the same account and SKU again is duplicate_suspect');
SELECT matches((SELECT detail FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'dup2'),
	'ERP dup1', 'the detail names the earlier order');
SELECT pg_temp.intake(pg_temp.o('dup3', '{"account": "repeat", "created_at": "2020-01-01 10:00+00"}'));
SELECT is(pg_temp.codes('dup3'), '{}'::text[], 'outside the window it is not a duplicate');
SELECT pg_temp.intake(pg_temp.o('dup4', '{"account": "repeat", "shop": "s2"}'));
SELECT is(pg_temp.codes('dup4'), '{}'::text[], 'another shop''s order is not a duplicate');
SET ordertrack.duplicate_window = '1s';
SELECT pg_temp.intake(pg_temp.o('dup5', '{"account": "repeat", "created_at": "2020-01-01 10:00:05+00"}'));
SELECT is(pg_temp.codes('dup5'), '{}'::text[], 'ordertrack.duplicate_window is a setting');
RESET ordertrack.duplicate_window;
SELECT is((SELECT skus FROM orders WHERE external_ref = 'dup1'), '{HD-1}'::text[], 'intake keeps the order''s SKUs on it');
-- an earlier order that arrived checked, without skus (a copy): its lines are read
SET ordertrack.restoring = on;
INSERT INTO orders (shop, external_ref, account, intake_checked_at) VALUES ('s1', 'copied', 'copier', now());
INSERT INTO order_lines (shop, order_id, sku, quantity)
	SELECT shop, order_id, 'HD-1', 1 FROM orders WHERE external_ref = 'copied';
RESET ordertrack.restoring;
SELECT pg_temp.intake(pg_temp.o('after-copy', '{"account": "copier"}'));
SELECT is(pg_temp.codes('after-copy'), '{duplicate_suspect}'::text[],
	'an earlier order without skus is compared by its lines');
DELETE FROM orders WHERE external_ref = 'copied';	-- it has no order_received event
SELECT pg_temp.intake(pg_temp.o('other-sku', jsonb_build_object('account', 'repeat',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'CUP-1', 'quantity', 1)))));
SELECT ok(NOT ('duplicate_suspect' = ANY (pg_temp.codes('other-sku'))), 'the same account with another SKU is not a duplicate');

-- 5. History and 6. blacklist.
INSERT INTO customer_notes (shop, account, note) VALUES ('s1', 'picky', 'last time the packaging was too thin');
SELECT pg_temp.intake(pg_temp.o('history', '{"account": "picky"}'));
SELECT is(pg_temp.codes('history'), '{customer_history}'::text[], 'an account with notes gets customer_history');
SELECT matches((SELECT detail FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'history'),
	'packaging was too thin', 'the notes travel with the order');
INSERT INTO blacklist (shop, kind, value, reason) VALUES ('s1', 'phone', '+8613900009999', 'chargebacks');
SELECT pg_temp.intake(pg_temp.o('black', '{"phone": "139 0000 9999"}'));
SELECT is(pg_temp.codes('black'), '{blacklisted}'::text[], 'a blacklisted phone (in any form) is blacklisted');
INSERT INTO blacklist (shop, kind, value) VALUES ('s1', 'account', 'fraudster');
SELECT pg_temp.intake(pg_temp.o('black2', '{"account": "fraudster"}'));
SELECT is(pg_temp.codes('black2'), '{blacklisted}'::text[], 'a blacklisted account is blacklisted');

-- Events and flags together: a flag_raised event (topic alerts) for every
-- block and warn flag (ordertrack.alert_severity = warn, the default), and
-- every flag, info flags too, listed by its order's order_received.
SELECT is((SELECT count(*)::int FROM events e JOIN flags f ON f.shop = e.shop AND f.flag_id = (e.payload ->> 'flag_id')::bigint
		   WHERE e.kind = 'flag_raised' AND e.topic = 'alerts' AND f.severity <> 'info'),
	(SELECT count(*)::int FROM flags WHERE severity <> 'info'),
	'every block and warn flag has its flag_raised event on topic alerts');
SELECT is((SELECT count(*)::int FROM events e WHERE e.kind = 'flag_raised'), (SELECT count(*)::int FROM flags WHERE severity <> 'info'),
	'and no info flag has one');
SELECT cmp_ok((SELECT count(*)::int FROM flags WHERE severity = 'info'), '>', 2, '(there are info flags above)');
SELECT is((SELECT count(*)::int FROM orders o
		   WHERE (SELECT e.payload -> 'flags' FROM events e WHERE e.shop = o.shop AND e.order_id = o.order_id
				   AND e.kind = 'order_received') IS DISTINCT FROM
				 (SELECT coalesce(jsonb_agg(f.code ORDER BY f.flag_id), '[]') FROM flags f
				   WHERE f.shop = o.shop AND f.order_id = o.order_id)), 0,
	'order_received lists all of its order''s flags, info flags too');
SET ordertrack.alert_severity = info;
SELECT pg_temp.intake(pg_temp.o('alert-info', '{"remarks": "周末配送"}'));
SELECT is((SELECT array_agg(e.payload ->> 'code') FROM events e JOIN orders o USING (shop, order_id)
		   WHERE o.external_ref = 'alert-info' AND e.kind = 'flag_raised' AND e.topic = 'alerts'),
	'{special_request}'::text[], 'with ordertrack.alert_severity = info an info flag is published too');
SET ordertrack.alert_severity = block;
SELECT pg_temp.intake(pg_temp.o('alert-block', '{"recipient": "", "remarks": "周末配送",
	"lines": [{"sku": "HD-1", "title": "hoodie", "spec": "L", "colour": "grey", "quantity": 51}]}'));
SELECT is((SELECT array_agg(e.payload ->> 'code') FROM events e JOIN orders o USING (shop, order_id)
		   WHERE o.external_ref = 'alert-block' AND e.kind = 'flag_raised'),
	'{name_missing}'::text[], 'with block, only the blocking flag of three is published');
SELECT is(pg_temp.codes('alert-block'), '{name_missing,quantity_unusual,special_request}'::text[], 'and all three are raised');
RESET ordertrack.alert_severity;
SELECT throws_ok($$SET ordertrack.alert_severity = loud$$, '22023', NULL, 'alert_severity is block, warn or info');
SELECT is((SELECT count(*)::int FROM orders o WHERE (SELECT count(*) FROM events e WHERE e.shop = o.shop
		   AND e.order_id = o.order_id AND e.kind = 'order_received') <> 1), 0, 'every order has exactly one order_received event');
SELECT is((SELECT count(*)::int FROM orders WHERE (stage = 'review') <> EXISTS (SELECT 1 FROM flags f
		   WHERE f.shop = orders.shop AND f.order_id = orders.order_id AND f.severity = 'block')), 0,
	'an order is in review exactly when it has a blocking flag');

-- submit_order is idempotent on (shop, external_ref).
SELECT is(pg_temp.intake(pg_temp.o('clean', '{"recipient": "someone else"}')),
	(SELECT order_id FROM orders WHERE external_ref = 'clean'), 'sending an order again returns the existing one');
SELECT is((SELECT recipient FROM orders WHERE external_ref = 'clean'), '张三', 'and changes nothing');

-- submit_order takes the keys an ERP sets and refuses the rest, so that
-- none is dropped without a word.
SELECT is(pg_temp.error_of($$SELECT ordertrack.submit_order(pg_temp.o('keys1', '{"stage": "confirmed"}'))$$),
	ARRAY['22023', 'submit_order does not take stage', '',
		  'An order takes shop, external_ref, account, recipient, phone, address, remarks, urgent, '
		  'cash_on_delivery, paid_at, created_at and lines; intake and confirm() set the rest.'],
	'submit_order refuses a key it does not take (22023), naming it');
SELECT is((pg_temp.error_of($$SELECT ordertrack.submit_order(pg_temp.o('keys2', '{"remark": "x", "tracking_no": "1"}'))$$))[2],
	'submit_order does not take remark, tracking_no', 'and names each of them');
SELECT is(pg_temp.error_of($$SELECT ordertrack.submit_order(pg_temp.o('keys3',
		'{"lines": [{"sku": "HD-1", "quantity": 1, "picked": 1}]}'))$$),
	ARRAY['22023', 'submit_order does not take picked in a line', '',
		  'A line takes sku, title, spec, colour, quantity and customization.'],
	'or a key a line does not take');
SELECT is((pg_temp.error_of($$SELECT ordertrack.submit_order(pg_temp.o('keys4', '{"lines": [3]}'))$$))[1:2],
	ARRAY['22023', 'submit_order does not take (not an object) in a line'], 'a line that is not an object is refused');
SELECT is((pg_temp.error_of($$SELECT ordertrack.submit_order('[1]')$$))[1:2],
	ARRAY['22023', 'an order is a JSON object, not array'], 'an order that is not an object is refused');
SELECT is((pg_temp.error_of($$SELECT ordertrack.submit_order(pg_temp.o('keys5', '{"lines": {"sku": "HD-1"}}'))$$))[1:2],
	ARRAY['22023', 'an order''s "lines" is an array of objects'], 'lines that are not an array are refused');
SELECT is((SELECT count(*)::int FROM orders WHERE external_ref LIKE 'keys%'), 0, 'and none of those orders is taken');

-- resolve_flag.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || ' ';
	END LOOP;
	RETURN plan;
END $$;
SET enable_seqscan = off;
-- (an index that leads with flag_id: a full scan of one leading with shop would match "Index Cond" too)
SELECT matches(pg_temp.plan_of('SELECT * FROM ordertrack.flags WHERE flag_id = 5'), '(Index Scan using|Bitmap Index Scan on) flags_flag_id',
	'a flag is found by its id alone through an index that leads with it');
SELECT matches(pg_temp.plan_of($$SELECT * FROM ordertrack.flags WHERE shop = 's1' AND order_id = 5$$),
	'Index Cond: \(\(shop = .*order_id = ', 'and the flags of an order by its shop and id');
RESET enable_seqscan;
SELECT is(resolve_flag((SELECT flag_id FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'dup2'),
	'customer wants both'), 'received', 'resolving the last blocking flag returns the order to received');
SELECT is((SELECT resolution || ' / ' || (resolved_by IS NOT NULL) FROM flags f JOIN orders o USING (shop, order_id)
		   WHERE o.external_ref = 'dup2'), 'customer wants both / true', 'who resolved it and why is kept');
SELECT is((SELECT count(*)::int FROM events WHERE kind = 'flag_resolved'), 1, 'resolving publishes flag_resolved');
SELECT throws_ok($$SELECT ordertrack.resolve_flag(f.flag_id, 'again') FROM ordertrack.flags f
	JOIN ordertrack.orders o USING (shop, order_id) WHERE o.external_ref = 'dup2'$$, '55000', NULL,
	'resolving twice is 55000');
SELECT throws_ok($$SELECT ordertrack.resolve_flag(-1, 'x')$$, '42704', 'flag -1 does not exist', 'an unknown flag is 42704');

-- Errors a caller can provoke: nothing is kept.
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('nolines', '{"lines": []}'))$$, '23514', NULL, 'an order without lines is refused');
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('zero', '{"lines": [{"sku": "HD-1", "quantity": 0}]}'))$$, '23514', NULL,
	'quantity 0 is refused');
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('huge', '{"lines": [{"sku": "HD-1", "quantity": 1000001}]}'))$$, '23514', NULL,
	'quantity above 1,000,000 is refused');
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('noacct', '{"account": null}'))$$, '23502', NULL, 'a missing account is refused');
SELECT throws_ok($$INSERT INTO ordertrack.orders (shop, external_ref, account, stage) VALUES ('s1', 'st', 'a', 'launched')$$,
	'22P02', NULL, 'an unknown stage is refused');
SELECT throws_ok($$INSERT INTO ordertrack.orders (shop, external_ref, account, stage) VALUES ('s1', 'st', 'a', 'shipped')$$,
	'22023', 'a new order starts in stage received, not shipped', 'a new order in a later stage is refused');
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('notarray', '{"lines": {"sku": "HD-1"}}'))$$, '22023', NULL,
	'lines that are not an array are refused');
SELECT is((SELECT count(*)::int FROM orders WHERE external_ref IN ('nolines', 'zero', 'huge', 'noacct', 'st', 'notarray')), 0,
	'refused orders leave nothing behind');

-- A row that arrives already checked (a restore: ordertrack.restoring) is
-- left exactly as it is; without the setting it is refused.
SELECT is((pg_temp.error_of($$INSERT INTO ordertrack.orders (shop, external_ref, account, intake_checked_at)
	VALUES ('s1', 'skip', 'r', now())$$))[1:2], ARRAY['42501', 'intake_checked_at of a new order is set by ordertrack, not by the writer'],
	'a writer cannot skip intake by saying the order was checked');
SET ordertrack.restoring = on;
INSERT INTO orders (shop, order_id, external_ref, account, recipient, stage, service_requirements, intake_checked_at, province) OVERRIDING SYSTEM VALUE
	VALUES ('s1', 900000, 'restored', 'r', NULL, 'shipped', '{fragile}', '2026-01-01', '手写省');
RESET ordertrack.restoring;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT stage || ' ' || service_requirements::text || ' ' || province || ' ' || (phone_normalized IS NULL)
		   FROM orders WHERE external_ref = 'restored'), 'shipped {fragile} 手写省 true', 'a restored row is not checked again');
SELECT is((SELECT count(*)::int FROM flags WHERE order_id = 900000) + (SELECT count(*)::int FROM events WHERE order_id = 900000), 0,
	'and gets no flags or events');

-- Hostile input: long, emoji, any script, SQL-looking, NULLs: flags, never a crash.
SELECT lives_ok($$SELECT pg_temp.intake(pg_temp.o('long', jsonb_build_object('address', repeat('号', 10000),
	'remarks', repeat('🙂周末配送', 2000), 'recipient', repeat('Ω', 10000))))$$, '10,000-character fields are taken');
SELECT lives_ok($q$SELECT pg_temp.intake(pg_temp.o('sql', jsonb_build_object('address', '''; DROP TABLE ordertrack.orders; --',
	'remarks', '💣 $$ \x00 %s %n')))$q$,
	'SQL-looking text is just text');
SELECT lives_ok($$SELECT pg_temp.intake(jsonb_build_object('shop', 's1', 'external_ref', 'nulls', 'account', 'n',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1))))$$, 'NULL in every nullable column is taken');
SELECT is(pg_temp.codes('nulls'), '{address_incomplete,name_missing,phone_invalid,region_unknown}'::text[],
	'and flagged for a person');
-- Times intake cannot judge are refused: they would escape the duplicate
-- window, or count as paid.
SELECT is((pg_temp.error_of($$SELECT pg_temp.intake(pg_temp.o('forever', '{"account": "repeat", "created_at": "infinity"}'))$$))[1:2],
	ARRAY['22008', 'created_at of a new order must be a time between 2000 and now, not infinity'],
	'an order dated infinity is refused (22008)');
SELECT is((pg_temp.error_of(format('SELECT pg_temp.intake(pg_temp.o(%L, %L))', 'ahead',
	jsonb_build_object('account', 'repeat', 'created_at', now() + interval '3 hours'))))[1], '22008',
	'so is one dated three hours ahead of the server');
SELECT lives_ok(format('SELECT pg_temp.intake(pg_temp.o(%L, %L))', 'skew',
	jsonb_build_object('created_at', now() + interval '1 minute')), 'one a minute ahead (a client''s clock) is taken');
SELECT is((pg_temp.error_of($$SELECT pg_temp.intake(pg_temp.o('paid-forever', '{"paid_at": "-infinity"}'))$$))[1:2],
	ARRAY['22008', 'paid_at of a new order must be a finite time, not -infinity'],
	'an order paid at -infinity is refused');

-- Flag codes are added and retuned, never removed or renamed (flags keep them).
SELECT is((SELECT count(*)::int FROM flag_codes WHERE origin = 'shipped'), (SELECT count(*)::int FROM flag_codes),
	'every flag code of a new installation ships');
SELECT throws_ok($$DELETE FROM ordertrack.flag_codes WHERE code = 'name_missing'$$, '55006',
	'flag codes are not removed or renamed', 'a flag code is not deleted');
SELECT throws_ok($$UPDATE ordertrack.flag_codes SET code = 'no_name' WHERE code = 'name_missing'$$, '55006',
	'flag codes are not removed or renamed', 'nor renamed');
SELECT throws_ok($$TRUNCATE ordertrack.flag_codes$$, '55006', 'flag codes are not removed or renamed', 'nor truncated');
UPDATE flag_codes SET severity = 'warn' WHERE code = 'name_missing';
SELECT pg_temp.intake(pg_temp.o('warn-name', '{"recipient": "  "}'));
SELECT is((SELECT stage || ' ' || f.severity FROM orders o JOIN flags f USING (shop, order_id)
		   WHERE o.external_ref = 'warn-name' AND f.code = 'name_missing'), 'received warn',
	'a code''s severity may change, and intake uses the new one at once');
SELECT is((SELECT origin FROM flag_codes WHERE code = 'name_missing'), 'custom', 'a retuned shipped code is custom');
UPDATE flag_codes SET severity = 'block' WHERE code = 'name_missing';
-- Flag codes are a settings table: the shop's codes are custom, and pg_dump
-- keeps them; a restored row replaces the shipped row with its code.
INSERT INTO flag_codes (code, severity, description, origin) VALUES ('gift_card', 'info', 'A gift card goes with the parcel', 'shipped');
SELECT is((SELECT origin FROM flag_codes WHERE code = 'gift_card'), 'custom', 'an added code is custom whatever it says');
SELECT throws_ok($$DELETE FROM ordertrack.flag_codes WHERE code = 'gift_card'$$, '55006',
	'flag codes are not removed or renamed', 'an added code is not deleted either');
SELECT throws_ok($$UPDATE ordertrack.flag_codes SET code = 'gift' WHERE code = 'gift_card'$$, '55006',
	'flag codes are not removed or renamed', 'nor renamed');
SELECT is((SELECT extcondition[array_position(extconfig, 'ordertrack.flag_codes'::regclass)]
		   FROM pg_extension WHERE extname = 'ordertrack'), 'WHERE origin = ''custom''', 'pg_dump keeps the custom flag codes');
SET LOCAL ROLE ordertrack_admin;
INSERT INTO ordertrack.flag_codes (code, severity, description)
	VALUES ('region_unknown', 'block', 'No province was recognised: hold the order');
RESET ROLE;
SELECT is((SELECT string_agg(severity || ' ' || origin, ',') FROM flag_codes WHERE code = 'region_unknown'), 'block custom',
	'the admin inserts a row over a shipped code: it replaces the shipped row');
SELECT pg_temp.intake(pg_temp.o('noregion-held', '{"address": "Flat 5, 10 Downing Street, London"}'));
SELECT is(pg_temp.stage('noregion-held'), 'review', 'and intake uses it at once');
SELECT throws_ok($$INSERT INTO ordertrack.flag_codes (code, severity, description) VALUES ('region_unknown', 'warn', 'again')$$,
	'23505', NULL, 'a custom row is not replaced by an insert');
SELECT throws_ok($$UPDATE ordertrack.flag_codes SET code = 'no_region' WHERE code = 'region_unknown'$$, '55006',
	'flag codes are not removed or renamed', 'the replacing row is not renamed');
SELECT throws_ok($$DELETE FROM ordertrack.flag_codes WHERE code = 'region_unknown'$$, '55006',
	'flag codes are not removed or renamed', 'nor deleted');

-- Intake writes flags and events as INSERTs would: a column default or a
-- CHECK constraint added to them applies to the next order at once.
ALTER TABLE events ADD COLUMN written_by text DEFAULT 'intake-test';
SELECT pg_temp.intake(pg_temp.o('newcol'));
SELECT is((SELECT string_agg(DISTINCT e.written_by, ',') FROM events e JOIN orders o USING (shop, order_id)
		   WHERE o.external_ref = 'newcol'), 'intake-test', 'a default added to events is used');
ALTER TABLE events DROP COLUMN written_by;
ALTER TABLE flags ADD CONSTRAINT short_detail CHECK (length(detail) < 5) NOT VALID;
SELECT throws_ok($$SELECT pg_temp.intake(pg_temp.o('longdetail', '{"recipient": ""}'))$$, '23514', NULL,
	'a CHECK constraint added to flags is enforced');
ALTER TABLE flags DROP CONSTRAINT short_detail;

-- An index that covers a column the verdict sets (a DBA's) makes the
-- verdict's new row version need index entries; intake adds them.
CREATE EXTENSION IF NOT EXISTS amcheck;
CREATE INDEX orders_checked_at ON orders (intake_checked_at);
SELECT pg_temp.intake(pg_temp.o('indexed-verdict'));
SELECT lives_ok($$SELECT bt_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'ordertrack.orders'::regclass$$,
	'every row version of orders is in every index (amcheck)');
DROP INDEX orders_checked_at;

-- Deleting orders deletes their lines and flags.
SELECT ok((SELECT count(*) FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'nulls') > 0,
	'an order with flags');
DELETE FROM orders WHERE external_ref IN ('nulls', 'warn-name');
SELECT is((SELECT count(*)::int FROM flags f WHERE NOT EXISTS
		   (SELECT 1 FROM orders o WHERE o.shop = f.shop AND o.order_id = f.order_id)), 0,
	'deleting it deletes its flags');
SELECT is((SELECT count(*)::int FROM order_lines l WHERE NOT EXISTS
		   (SELECT 1 FROM orders o WHERE o.shop = l.shop AND o.order_id = l.order_id)), 0,
	'and its lines');

SELECT lives_ok('TRUNCATE ordertrack.orders CASCADE', 'orders can be truncated');
SELECT is((SELECT count(*)::int FROM flags), 0, 'and that truncates their flags');

SELECT * FROM finish();
ROLLBACK;
