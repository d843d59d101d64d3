-- pgTAP: a corrected phone or address.  When an UPDATE changes an order's
-- phone or address, the normalised phone and the region (province, city,
-- district, region_code, remote) follow at once: before commit, so that
-- intake's blacklist check at commit sees the corrected phone; after
-- intake, so that choose_carrier and the reports see the corrected region.
-- An UPDATE of other columns leaves them as they are.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(8);
\ir lib/error_of.sql

INSERT INTO products (sku, title) VALUES ('RD-1', 'hoodie');
INSERT INTO blacklist (shop, kind, value, reason) VALUES ('rd', 'phone', '+8613900000000', 'fraud');
WITH o AS (INSERT INTO orders (shop, external_ref, account, recipient, phone, address, cash_on_delivery)
		   VALUES ('rd', 'RD-A', 'acc-a', '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室', true)
		   RETURNING shop, order_id)
INSERT INTO order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'RD-1', 1 FROM o;
SELECT order_id AS a FROM orders WHERE external_ref = 'RD-A' \gset

-- corrected before commit, to a blacklisted number
UPDATE orders SET phone = '139 0000 0000' WHERE order_id = :a;
SELECT is((SELECT phone_normalized FROM orders WHERE order_id = :a), '+8613900000000',
	'a phone corrected before commit is normalised again at once');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT detail FROM flags WHERE order_id = :a AND code = 'blacklisted'),
	'On the blacklist: phone +8613900000000: fraud.', 'intake at commit checks the corrected phone against the blacklist');

-- corrected after intake, to an address in a remote province
SELECT is((SELECT province || ' ' || remote FROM orders WHERE order_id = :a), '北京市 false', 'the order was in Beijing');
UPDATE orders SET address = '新疆乌鲁木齐市天山区解放南路1号2单元301室' WHERE order_id = :a;
SELECT is((SELECT concat_ws(' ', province, city, district, region_code, remote) FROM orders WHERE order_id = :a),
	'新疆维吾尔自治区 乌鲁木齐市 天山区 650102 t', 'a corrected address brings its region and remoteness');
SELECT is(choose_carrier(:a), 'EMS', 'and choose_carrier goes by them');

-- an address no region matches, a phone that is not a number
UPDATE orders SET address = 'somewhere', phone = '12345' WHERE order_id = :a;
SELECT is((SELECT concat_ws('|', phone_normalized, province, city, district, region_code, remote) FROM orders WHERE order_id = :a),
	'', 'an address with no region and an invalid phone leave them all NULL');

-- an UPDATE of other columns leaves the derived ones alone
UPDATE orders SET phone_normalized = '+8613800000000', province = 'by hand' WHERE order_id = :a;
UPDATE orders SET remarks = 'leave at the door', recipient = '李四' WHERE order_id = :a;
SELECT is((SELECT phone_normalized || ' ' || province FROM orders WHERE order_id = :a), '+8613800000000 by hand',
	'an UPDATE of other columns recomputes nothing');
CREATE TRIGGER misuse BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION order_intake_rederive();
SELECT is(pg_temp.error_of(format('UPDATE ordertrack.orders SET remarks = NULL WHERE order_id = %s', :a)),
	ARRAY['39P01', 'order_intake_rederive must be fired AFTER UPDATE FOR EACH ROW', '', ''],
	'order_intake_rederive attached as a BEFORE trigger is refused');

SELECT * FROM finish();
ROLLBACK;
