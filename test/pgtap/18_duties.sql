-- pgTAP: the duties.  A role with no duty (PUBLIC) may use nothing; each
-- duty does what it is for, and what it is not for is refused with 42501;
-- the reports mask personal data for all but the admin duty.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(65);
\ir lib/error_of.sql

INSERT INTO products (sku, title, spec, colour) VALUES ('HD-1', 'hoodie', 'L', 'grey');
CREATE ROLE ot_nobody;
CREATE ROLE ot_erp IN ROLE ordertrack_erp;
CREATE ROLE ot_wh IN ROLE ordertrack_warehouse;
CREATE ROLE ot_log IN ROLE ordertrack_logistics;
CREATE ROLE ot_svc IN ROLE ordertrack_service;
CREATE ROLE ot_cons IN ROLE ordertrack_consumer;
CREATE ROLE ot_adm IN ROLE ordertrack_admin;

-- The state of a statement as the role runs it: NULL when it works.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', r);
	st := (pg_temp.error_of(q))[1];
	RESET ROLE;
	RETURN st;
END $$;

-- PUBLIC: nothing.
SELECT is((SELECT count(*)::int FROM pg_class c
			WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind IN ('r', 'v', 'S')
			  AND (has_table_privilege('ot_nobody', c.oid, 'SELECT') OR has_table_privilege('ot_nobody', c.oid, 'INSERT'))),
	0, 'PUBLIC reads and writes no table, view or sequence of ordertrack');
SELECT ok(NOT has_schema_privilege('ot_nobody', 'ordertrack', 'USAGE'), 'nor uses its schema');
SELECT is(pg_temp.as_role('ot_nobody', 'SELECT * FROM ordertrack.merge_candidates'), '42501',
	'a role with no duty cannot read a report (42501)');
SELECT is(pg_temp.as_role('ot_nobody', 'SELECT * FROM ordertrack.regions'), '42501', 'nor a settings table');
SELECT is(pg_temp.as_role('ot_nobody', $$SELECT ordertrack.tracking_no_valid('1722836735402222')$$), '42501',
	'nor call a function');
SELECT is((SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'ordertrack\_%'),
	'ordertrack_admin:false,ordertrack_consumer:false,ordertrack_erp:false,ordertrack_logistics:false,ordertrack_service:false,ordertrack_warehouse:false',
	'the six duties are NOLOGIN roles');

-- The ERP: orders and lines in, read back, corrected, paid, confirmed, cancelled.
-- submit_order runs with the caller's rights (per-shop access holds): EXECUTE
-- and INSERT alone are not enough, it reads the order_id back.
CREATE ROLE ot_insert_only;
GRANT USAGE ON SCHEMA ordertrack TO ot_insert_only;
GRANT EXECUTE ON FUNCTION ordertrack.submit_order(jsonb) TO ot_insert_only;
GRANT INSERT ON ordertrack.orders, ordertrack.order_lines TO ot_insert_only;
SELECT is(pg_temp.as_role('ot_insert_only', $$SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "e0", "account": "acc-0",
	"recipient": "张三", "phone": "138 1234 5678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}')$$), '42501',
	'submit_order needs SELECT on orders besides EXECUTE and INSERT (42501)');
GRANT SELECT ON ordertrack.orders TO ot_insert_only;
SELECT is(pg_temp.as_role('ot_insert_only', $$SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "e0", "account": "acc-0",
	"recipient": "张三", "phone": "138 1234 5678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}')$$), NULL,
	'with SELECT on orders too it submits, as the README says');
SELECT is(pg_temp.as_role('ot_erp', $$SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "e1", "account": "acc-1",
	"recipient": "张三", "phone": "138 1234 5678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "title": "hoodie", "spec": "L", "colour": "grey", "quantity": 1}]}')$$), NULL,
	'the ERP submits an order');
SELECT is(pg_temp.as_role('ot_erp', $$WITH o AS (INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address)
	VALUES ('s1', 'e2', 'acc-2', '李四', '1381234567', '上海市浦东新区世纪大道100号5楼') RETURNING shop, order_id)
	INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'HD-1', 1 FROM o$$), NULL,
	'and inserts one with its lines');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT order_id AS e1 FROM orders WHERE external_ref = 'e1' \gset
SELECT order_id AS e2 FROM orders WHERE external_ref = 'e2' \gset
SELECT is(pg_temp.as_role('ot_erp', 'SELECT phone, tracking_no FROM ordertrack.orders'), NULL, 'reads its orders back');
SELECT is(pg_temp.as_role('ot_erp', 'SELECT code FROM ordertrack.flags'), NULL, 'and why they are held');
SELECT is(pg_temp.as_role('ot_erp', format($$UPDATE ordertrack.orders SET phone = '13812345679' WHERE order_id = %s$$, :e2)), NULL,
	'corrects a phone');
SELECT is(pg_temp.as_role('ot_erp', format('SELECT ordertrack.mark_paid(%s)', :e1)), NULL, 'marks an order paid');
SELECT is(pg_temp.as_role('ot_erp', format('SELECT ordertrack.confirm(%s)', :e1)), NULL, 'confirms it');
SELECT ok((SELECT tracking_no FROM orders WHERE order_id = :e1) IS NOT NULL, 'which gives it a tracking number');
SELECT is(pg_temp.as_role('ot_erp', format($$SELECT ordertrack.cancel(%s, 'customer changed their mind')$$, :e2)), NULL,
	'cancels another');
SELECT is((SELECT to_stage::text || ' ' || role || ' ' || reason FROM stage_history WHERE order_id = :e2 AND to_stage = 'cancelled'),
	'cancelled ot_erp customer changed their mind', 'as itself, with its reason');
SELECT is(pg_temp.as_role('ot_erp', format($$UPDATE ordertrack.orders SET tracking_no = NULL WHERE order_id = %s$$, :e1)), '42501',
	'the ERP may not set a tracking number');
SELECT is(pg_temp.as_role('ot_erp', format($$UPDATE ordertrack.orders SET stage = 'delivered' WHERE order_id = %s$$, :e1)), '42501',
	'nor a stage');
SELECT is(pg_temp.as_role('ot_erp', format($$SELECT ordertrack.advance(%s, 'picking')$$, :e1)), '42501', 'nor advance an order');
SELECT is(pg_temp.as_role('ot_erp', format($$SELECT ordertrack.record_pick(%s, 'HD-1', 1)$$, :e1)), '42501', 'nor pick');
SELECT is(pg_temp.as_role('ot_erp', 'SELECT * FROM ordertrack.events'), '42501', 'nor read the outbox');
SELECT is(pg_temp.as_role('ot_erp', $$UPDATE ordertrack.products SET active = false$$), '42501', 'nor change the catalogue');
SELECT is(pg_temp.as_role('ot_erp', 'SET ordertrack.duplicate_window = 0'), '42501', 'nor switch a check off');
SELECT is(pg_temp.as_role('ot_erp', 'SELECT * FROM ordertrack.open_flags'), '42501', 'nor read the reports');

-- The warehouse: lines and orders without personal data, picks, shortages, moves.
SELECT is(pg_temp.as_role('ot_wh', 'SELECT sku, quantity FROM ordertrack.order_lines'), NULL, 'the warehouse reads lines');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT shop, order_id, stage, tracking_no, province, skus FROM ordertrack.orders'), NULL,
	'and orders');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT phone FROM ordertrack.orders'), '42501', 'but not their phones');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT recipient, address, account FROM ordertrack.orders'), '42501',
	'nor recipients, addresses, accounts');
SELECT is(pg_temp.as_role('ot_wh', format($$SELECT ordertrack.record_pick(%s, 'HD-1', 1)$$, :e1)), NULL, 'picks');
SELECT is(pg_temp.as_role('ot_wh', format($$SELECT ordertrack.advance(%s, 'packed')$$, :e1)), NULL, 'moves the order on');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT * FROM ordertrack.board'), NULL, 'reads the board');
SELECT is(pg_temp.as_role('ot_wh', format('SELECT ordertrack.confirm(%s)', :e1)), '42501', 'but may not confirm');
SELECT is(pg_temp.as_role('ot_wh', $$SELECT ordertrack.submit_order('{}')$$), '42501', 'nor submit');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT * FROM ordertrack.merge_candidates'), '42501', 'nor read who ordered what');
SELECT is(pg_temp.as_role('ot_wh', 'SELECT * FROM ordertrack.blacklist'), '42501', 'nor the blacklist');

-- Logistics: scans.
SELECT tracking_no::text AS tn FROM orders WHERE order_id = :e1 \gset
SELECT is(pg_temp.as_role('ot_log', format($$SELECT ordertrack.record_scan(%L, 'collected', now(), '北京朝阳营业部')$$, :'tn')), NULL,
	'logistics records a scan');
SELECT is(pg_temp.as_role('ot_log', 'SELECT status FROM ordertrack.scans'), NULL, 'and reads the scans');
SELECT is(pg_temp.as_role('ot_log', 'SELECT address FROM ordertrack.orders'), '42501', 'but not addresses');
SELECT is(pg_temp.as_role('ot_log', format($$SELECT ordertrack.record_pick(%s, 'HD-1', 1)$$, :e1)), '42501', 'nor picks');
SELECT is(pg_temp.as_role('ot_log', format('SELECT * FROM ordertrack.timeline(%s)', :e1)), '42501', 'nor reads timelines');

-- Customer service: reports and timelines masked, flags, feedback, look-ups.
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "e3", "account": "acc-3", "recipient": "王五",
	"phone": "12345", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}') AS e3 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SET LOCAL ROLE ot_svc;
SELECT is((SELECT detail FROM ordertrack.open_flags WHERE order_id = :e3 AND code = 'phone_invalid'),
	'Phone "***" is not a number that can be called.', 'service reads open flags with the phone masked');
SELECT is((SELECT detail FROM ordertrack.timeline(:e3) WHERE what = 'taken'), 'e3, account ***',
	'and timelines with the account masked');
RESET ROLE;
SET LOCAL ROLE ot_adm;
SELECT is((SELECT detail FROM ordertrack.open_flags WHERE order_id = :e3 AND code = 'phone_invalid'),
	'Phone "12345" is not a number that can be called.', 'the admin reads them as written');
RESET ROLE;
SELECT flag_id AS f3 FROM flags WHERE order_id = :e3 AND code = 'phone_invalid' \gset
SELECT is(pg_temp.as_role('ot_svc', format($$SELECT ordertrack.resolve_flag(%s, 'called the customer: 13812345670')$$, :f3)), NULL,
	'service resolves a flag');
SELECT is(pg_temp.as_role('ot_svc', format($$SELECT ordertrack.add_feedback(%s, 5, 'fast')$$, :e1)), NULL, 'records feedback');
SELECT is(pg_temp.as_role('ot_svc', format($$SELECT * FROM ordertrack.lookup(%L, '5678')$$, :'tn')), NULL, 'looks a parcel up');
SELECT is(pg_temp.as_role('ot_svc', 'SELECT * FROM ordertrack.sla_breaches'), NULL, 'reads the deadline breaches');
SELECT is(pg_temp.as_role('ot_svc', 'SELECT phone FROM ordertrack.orders'), '42501', 'but not the orders themselves');
SELECT is(pg_temp.as_role('ot_svc', format('SELECT ordertrack.confirm(%s)', :e3)), '42501', 'nor confirm');
SELECT is(pg_temp.as_role('ot_svc', $$SELECT ordertrack.raise_flag('s1', 1, 'sku_unknown', 'x')$$), '42501', 'nor raise flags by hand');

-- Consumers: their own.
SELECT is(pg_temp.as_role('ot_cons', $$SELECT ordertrack.subscribe('wms', '{warehouse}')$$), NULL, 'a consumer subscribes');
SELECT is(pg_temp.as_role('ot_cons', $$SELECT * FROM ordertrack.poll('wms')$$), NULL, 'and polls');
SELECT is(pg_temp.as_role('ot_cons', 'SELECT * FROM ordertrack.events'), '42501', 'but may not read the outbox directly');
SELECT is(pg_temp.as_role('ot_cons', 'SELECT * FROM ordertrack.consumers'), '42501', 'nor the other consumers');
SELECT is(pg_temp.as_role('ot_cons', 'SELECT * FROM ordertrack.open_flags'), '42501', 'nor the reports');

-- The admin: settings, guarded settings, upkeep, every other duty.
SELECT is(pg_temp.as_role('ot_adm', $$UPDATE ordertrack.products SET title = 'hoodie, grey' WHERE sku = 'HD-1'$$), NULL,
	'the admin changes the catalogue');
SELECT is(pg_temp.as_role('ot_adm', $$INSERT INTO ordertrack.blacklist (shop, kind, value, reason) VALUES ('s1', 'phone', '13800000000', 'fraud')$$),
	NULL, 'and the blacklist');
LOAD 'ordertrack';
SELECT is(pg_temp.as_role('ot_adm', 'SET LOCAL ordertrack.duplicate_window = 0'), NULL, 'sets a setting that guards intake');
SELECT is(pg_temp.as_role('ot_adm', $$SELECT * FROM ordertrack.sweep(now())$$), NULL, 'runs the sweep');
SELECT is(pg_temp.as_role('ot_adm', 'SELECT phone, address FROM ordertrack.orders'), NULL, 'reads personal data');
SELECT is(pg_temp.as_role('ot_adm', format('SELECT ordertrack.confirm(%s)', :e1)), NULL, 'and does what the ERP does');
SELECT is(pg_temp.as_role('ot_adm', 'SET ordertrack.restoring = on'), '42501',
	'but restoring checked orders stays a superuser''s');
SELECT is(pg_temp.as_role('ot_adm', 'SELECT secret FROM ordertrack.tracking_secret'), '42501',
	'and so does the issuing secret');

SELECT * FROM finish();
ROLLBACK;
