-- pgTAP: a corrected order.  When the ERP corrects the recipient, the
-- phone or the address of an order that intake checked and that is not yet
-- confirmed, intake checks those fields again: a flag the correction clears
-- is resolved by the correcting role (flag_resolved), and an order in review
-- with no blocking flag left returns to received, as resolve_flag would; a
-- problem the correction brings is flagged, and a blocking one holds the
-- order.  A correction that clears nothing changes no flag; an order past
-- review keeps its flags.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(20);

CREATE ROLE ot_erp;
GRANT USAGE ON SCHEMA ordertrack TO ot_erp;
GRANT SELECT, INSERT, UPDATE ON orders, order_lines TO ot_erp;

INSERT INTO products (sku, title) VALUES ('RC-1', 'hoodie');
INSERT INTO blacklist (shop, kind, value, reason) VALUES ('rc', 'phone', '+8613900000000', 'fraud');
-- A: no unit; B: no unit and no recipient; C: clean; D: no unit; E: no unit, to be cancelled
WITH o AS (INSERT INTO orders (shop, external_ref, account, recipient, phone, address)
		   VALUES ('rc', 'RC-A', 'acc-a', '张三', '13812345678', '北京市朝阳区建国路外大街东侧'),
				  ('rc', 'RC-B', 'acc-b', '', '13812345678', '北京市朝阳区建国路外大街东侧'),
				  ('rc', 'RC-C', 'acc-c', '王五', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室'),
				  ('rc', 'RC-D', 'acc-d', '赵六', '13812345678', '北京市朝阳区建国路外大街东侧'),
				  ('rc', 'RC-E', 'acc-e', '孙七', '13812345678', '北京市朝阳区建国路外大街东侧')
		   RETURNING shop, order_id)
INSERT INTO order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'RC-1', 1 FROM o;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT order_id AS a FROM orders WHERE external_ref = 'RC-A' \gset
SELECT order_id AS b FROM orders WHERE external_ref = 'RC-B' \gset
SELECT order_id AS c FROM orders WHERE external_ref = 'RC-C' \gset
SELECT order_id AS d FROM orders WHERE external_ref = 'RC-D' \gset
SELECT order_id AS e FROM orders WHERE external_ref = 'RC-E' \gset
SELECT flag_id AS a_flag FROM flags WHERE order_id = :a AND code = 'address_needs_unit' \gset
SELECT is((SELECT string_agg(external_ref || ' ' || stage, ', ' ORDER BY external_ref) FROM orders WHERE shop = 'rc'),
	'RC-A review, RC-B review, RC-C received, RC-D review, RC-E review', 'intake held the orders without a unit or a recipient');

-- A: the ERP corrects the address
SET ROLE ot_erp;
UPDATE orders SET address = '北京市朝阳区建国路外大街东侧8号楼2单元501室' WHERE order_id = :a;
RESET ROLE;
SELECT is((SELECT resolved_by || ': ' || resolution FROM flags WHERE flag_id = :a_flag),
	'ot_erp: cleared by the corrected address', 'the flag the corrected address clears is resolved by the role that corrected it');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :a), 'received', 'with no blocking flag left, the order leaves review');
SELECT is((SELECT from_stage || '->' || to_stage || ' by ' || actor || ': ' || reason FROM stage_history
			WHERE order_id = :a ORDER BY change_id DESC LIMIT 1),
	format('review->received by ot_erp: flag %s (address_needs_unit) cleared by the corrected address', :a_flag),
	'the move is recorded with the flag and the correction');
SELECT is((SELECT payload->>'resolution' FROM events WHERE order_id = :a AND kind = 'flag_resolved'),
	'cleared by the corrected address', 'flag_resolved is published');

-- B: two blocking flags; the address alone leaves it held, the recipient too releases it
UPDATE orders SET address = '北京市朝阳区建国路88号3号楼2单元501室' WHERE order_id = :b;
SELECT is((SELECT string_agg(code || ':' || (resolved_at IS NOT NULL), ', ' ORDER BY code) FROM flags WHERE order_id = :b),
	'address_needs_unit:true, name_missing:false', 'a corrected address resolves the address flag only');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :b), 'review', 'and the order stays held by the other');
UPDATE orders SET recipient = '李四' WHERE order_id = :b;
SELECT is((SELECT string_agg(code || ':' || (resolved_at IS NOT NULL), ', ' ORDER BY code) FROM flags WHERE order_id = :b),
	'address_needs_unit:true, name_missing:true', 'a corrected recipient resolves name_missing');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :b), 'received', 'and releases the order');

-- C: a correction that brings a problem
UPDATE orders SET phone = '139 0000 0000' WHERE order_id = :c;
SELECT is((SELECT code || ' ' || severity || ' ' || (resolved_at IS NULL) FROM flags WHERE order_id = :c),
	'blacklisted block true', 'a corrected phone on the blacklist is flagged');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :c), 'review', 'and holds the order');
SELECT is((SELECT reason FROM stage_history WHERE order_id = :c ORDER BY change_id DESC LIMIT 1),
	'held by intake after a corrected phone: blacklisted', 'the hold is recorded with the correction');
SELECT is((SELECT count(*) FROM events WHERE order_id = :c AND kind = 'flag_raised' AND payload->>'code' = 'blacklisted'),
	1::bigint, 'flag_raised is published');
UPDATE orders SET phone = '13812345678', recipient = '王五五' WHERE order_id = :c;
SELECT is((SELECT stage::text || ' ' || (SELECT resolution FROM flags WHERE order_id = :c) FROM orders WHERE order_id = :c),
	'received cleared by the corrected recipient and phone', 'corrected back, it is released again');

-- D: a correction that clears nothing
SELECT flag_id AS d_flag FROM flags WHERE order_id = :d AND code = 'address_needs_unit' \gset
UPDATE orders SET address = '北京市朝阳区建国路外大街西侧' WHERE order_id = :d;
SELECT is((SELECT string_agg(flag_id || ' ' || (resolved_at IS NULL), ', ') FROM flags WHERE order_id = :d),
	:d_flag || ' true', 'an address that still names no unit leaves its flag open, and raises no other');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :d), 'review', 'and the order held');

-- E: past review, flags stay as they were
SELECT is(advance(:e, 'cancelled', 'customer cancelled')::text, 'cancelled', 'E is cancelled');
UPDATE orders SET address = '北京市朝阳区建国路88号3号楼2单元501室' WHERE order_id = :e;
SELECT is((SELECT count(*) FROM flags WHERE order_id = :e AND resolved_at IS NULL), 1::bigint,
	'a cancelled order keeps its flags when its address is corrected');

-- an order corrected before intake: no recheck, intake judges the corrected one
WITH o AS (INSERT INTO orders (shop, external_ref, account, recipient, phone, address)
		   VALUES ('rc', 'RC-F', 'acc-f', '周八', '13812345678', '北京市朝阳区建国路外大街东侧') RETURNING shop, order_id)
INSERT INTO order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'RC-1', 1 FROM o;
UPDATE orders SET address = '北京市朝阳区建国路88号3号楼2单元501室' WHERE external_ref = 'RC-F';
SELECT is((SELECT count(*) FROM flags f JOIN orders o USING (shop, order_id) WHERE o.external_ref = 'RC-F'), 0::bigint,
	'an order corrected before its intake has no flag of the first address');
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT stage::text || ' ' || (SELECT count(*) FROM flags f WHERE f.order_id = o.order_id)
			 FROM orders o WHERE external_ref = 'RC-F'),
	'received 0', 'intake at commit judges the corrected address');

SELECT * FROM finish();
ROLLBACK;
