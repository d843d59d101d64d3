-- pgTAP: order ids.  order_id comes from its identity alone (an INSERT
-- cannot give one), so that the functions that take an order_id alone find
-- one order; orders of two shops that share an order_id anyway (inserted
-- with OVERRIDING SYSTEM VALUE, or given by an ERP before 0.7) are refused
-- by every such function (21000) and neither is changed.  A flag_id that
-- two shops' flags share is refused by resolve_flag the same way.
BEGIN;
SET search_path = ordertrack, public;
-- orders that arrive checked, as a restore brings them (superuser only)
SET ordertrack.restoring = on;
SELECT plan(17);
\ir lib/error_of.sql

INSERT INTO products (sku, title) VALUES ('OI-1', 'hoodie');
-- An order of shop s1, through intake.
CREATE FUNCTION pg_temp.new_order(shop text, ref text) RETURNS bigint LANGUAGE sql AS $$
	WITH o AS (INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, cash_on_delivery)
			   VALUES (shop, ref, 'acc-' || ref, '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室', true)
			   RETURNING shop, order_id),
	l AS (INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'OI-1', 1 FROM o)
	SELECT order_id FROM o
$$;
SELECT pg_temp.new_order('s1', 'OI-A') AS a \gset
SELECT pg_temp.new_order('s2', 'OI-C') AS c \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;

-- An ERP cannot give an order an order_id.
SELECT is((pg_temp.error_of(format($$INSERT INTO orders (shop, order_id, external_ref, account) VALUES ('s2', %s, 'OI-B', 'acc-b')$$, :a)))[1],
	'428C9', 'an INSERT that gives an order_id is refused (identity GENERATED ALWAYS)');
SELECT is((SELECT count(*)::int FROM orders WHERE order_id = :a), 1, 'so no order of another shop has that order_id');
SELECT isnt(:c::bigint, :a::bigint, 'orders of two shops get two order_ids from the identity');
SELECT is((SELECT string_agg(shop || ' ' || stage, ', ' ORDER BY shop) FROM orders WHERE order_id IN (:a, :c)),
	's1 received, s2 received', 'both orders went through intake');

-- Rows that share one anyway: s2's order with s1's order_id.
INSERT INTO orders (shop, order_id, external_ref, account, recipient, phone, address, cash_on_delivery, intake_checked_at)
	OVERRIDING SYSTEM VALUE
	VALUES ('s2', :a, 'OI-B', 'acc-b', '李四', '13812345679', '上海市浦东新区世纪大道100号1号楼201室', true, now());
INSERT INTO order_lines (shop, order_id, sku, quantity) VALUES ('s2', :a, 'OI-1', 1);
SELECT is(pg_temp.error_of(format($$SELECT advance(%s, 'cancelled')$$, :a)),
	ARRAY['21000', format('order_id %s is ambiguous: 2 rows have it', :a), 'Shops: s1, s2.',
		  'An id is unique unless rows were inserted with OVERRIDING SYSTEM VALUE: give all but one of them a new id.'],
	'advance() refuses an order_id that orders of two shops share, naming the shops');
SELECT is((pg_temp.error_of(format('SELECT confirm(%s)', :a)))[1:3],
	ARRAY['21000', format('order_id %s is ambiguous: 2 rows have it', :a), 'Shops: s1, s2.'], 'confirm() refuses it');
SELECT is((pg_temp.error_of(format('SELECT mark_paid(%s)', :a)))[1], '21000', 'mark_paid() refuses it');
SELECT is((pg_temp.error_of(format('SELECT choose_carrier(%s)', :a)))[1], '21000', 'choose_carrier() refuses it');
SELECT is((pg_temp.error_of(format($$SELECT record_pick(%s, 'OI-1', 1)$$, :a)))[1], '21000', 'record_pick() refuses it');
SELECT is((pg_temp.error_of(format($$SELECT report_shortage(%s, 'OI-1', 0)$$, :a)))[1], '21000', 'report_shortage() refuses it');
SELECT is((pg_temp.error_of(format($$SELECT add_feedback(%s, 1, 'broken')$$, :a)))[1], '21000', 'add_feedback() refuses it');
SELECT is((SELECT string_agg(shop || ' ' || stage || ' ' || (tracking_no IS NULL) || ' ' || (paid_at IS NULL), ', ' ORDER BY shop)
		   FROM orders WHERE order_id = :a), 's1 received true true, s2 received true true',
	'neither order was moved, confirmed or paid');
SELECT is((SELECT count(*)::int FROM stage_history WHERE order_id = :a), 0, 'and nothing was recorded for either');
-- The order_id of the other order is not affected.
SELECT is(advance(:c, 'cancelled', 'asked'), 'cancelled'::stage, 'an order_id that one order has still works');

-- A flag_id that flags of two shops share.
INSERT INTO flags (shop, flag_id, order_id, code, severity) VALUES ('s1', 990001, :a, 'address_needs_unit', 'block');
INSERT INTO flags (shop, flag_id, order_id, code, severity) VALUES ('s2', 990001, :a, 'address_needs_unit', 'block');
SELECT is((pg_temp.error_of('SELECT resolve_flag(990001, $$ok$$)'))[1:3],
	ARRAY['21000', 'flag_id 990001 is ambiguous: 2 rows have it', 'Shops: s1, s2.'],
	'resolve_flag() refuses a flag_id that flags of two shops share');
SELECT is((SELECT count(*)::int FROM flags WHERE flag_id = 990001 AND resolved_at IS NULL), 2, 'and resolves neither');

-- Once the shared order_id is gone, the function works again.
DELETE FROM orders WHERE shop = 's2' AND order_id = :a;
SELECT is(advance(:a, 'cancelled', 'asked'), 'cancelled'::stage, 'after the other order is gone, advance() moves the one left');

SELECT * FROM finish();
ROLLBACK;
