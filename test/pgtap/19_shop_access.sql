-- pgTAP: per-shop access.  While ordertrack.shop_roles is empty every role
-- sees every shop its duty reads; once roles are bound, a role sees and
-- writes only its shops' orders, lines, flags, events, history and report
-- rows, through tables, views and the order functions alike; the admin duty
-- sees every shop.
SET search_path = ordertrack, public;
-- Committed first: a consumer role, and events of two shops for it to poll.
DROP ROLE IF EXISTS ot_cons_s1;
CREATE ROLE ot_cons_s1 IN ROLE ordertrack_consumer;
INSERT INTO events (shop, topic, kind, order_id, payload)
VALUES ('s1', 'warehouse', 'pick_requested', 900001, '{}'), ('s2', 'warehouse', 'pick_requested', 900002, '{}'),
	   ('s1', 'tracking', 'stage_changed', 900001, '{}');

BEGIN;
SELECT plan(33);
\ir lib/error_of.sql

INSERT INTO products (sku, title) VALUES ('HD-1', 'hoodie');
CREATE FUNCTION pg_temp.intake(shop text, ref text, phone text DEFAULT '13812345678') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	id bigint;
BEGIN
	id := ordertrack.submit_order(jsonb_build_object('shop', shop, 'external_ref', ref, 'account', 'acc-' || ref,
		'recipient', '张三', 'phone', phone, 'address', '北京市朝阳区建国路88号3号楼2单元501室', 'cash_on_delivery', true,
		'lines', jsonb_build_array(jsonb_build_object('sku', 'HD-1', 'quantity', 1))));
	SET CONSTRAINTS ALL IMMEDIATE;
	SET CONSTRAINTS ALL DEFERRED;
	RETURN id;
END $$;
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
-- A query's single value as the role reads it.
CREATE FUNCTION pg_temp.val_as(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v text;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', r);
	EXECUTE q INTO v;
	RESET ROLE;
	RETURN v;
END $$;

SELECT pg_temp.intake('s1', 'a1') AS a1 \gset
SELECT pg_temp.intake('s2', 'b1', '12345') AS b1 \gset
SELECT pg_temp.intake('s2', 'b2') AS b2 \gset
SELECT confirm(:b2) AS b2_tn \gset
SELECT flag_id AS b1_flag FROM flags WHERE order_id = :b1 AND code = 'phone_invalid' \gset

CREATE ROLE ot_erp_s1 IN ROLE ordertrack_erp;
CREATE ROLE ot_erp_none IN ROLE ordertrack_erp;
CREATE ROLE ot_svc_s1 IN ROLE ordertrack_service;
CREATE ROLE ot_wh_s2 IN ROLE ordertrack_warehouse;
CREATE ROLE ot_adm IN ROLE ordertrack_admin;

-- Nobody bound: a duty reads every shop.
SELECT is(pg_temp.val_as('ot_erp_s1', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.orders'), 's1,s2',
	'while no role is bound to a shop, a role reads every shop''s orders');

-- Bound.
SELECT is(pg_temp.as_role('ot_erp_s1', $$INSERT INTO ordertrack.shop_roles VALUES ('ot_erp_s1', 's1')$$), '42501',
	'only the admin binds roles to shops');
SELECT is(pg_temp.as_role('ot_adm', $$INSERT INTO ordertrack.shop_roles VALUES
	('ot_erp_s1', 's1'), ('ot_svc_s1', 's1'), ('ot_cons_s1', 's1'), ('ot_wh_s2', 's2')$$), NULL, 'the admin binds them');

SELECT is(pg_temp.val_as('ot_erp_s1', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.orders'), 's1',
	'a role bound to a shop reads only its orders');
SELECT is(pg_temp.val_as('ot_erp_s1', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.order_lines'), 's1',
	'its lines');
SELECT is(pg_temp.val_as('ot_erp_s1', format('SELECT count(*) FROM ordertrack.flags WHERE order_id = %s', :b1)), '0',
	'not another shop''s flags');
SELECT is(pg_temp.val_as('ot_erp_none', 'SELECT count(*) FROM ordertrack.orders'), '0',
	'a role bound to no shop reads none, once roles are bound');
SELECT is(pg_temp.val_as('ot_adm', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.orders'), 's1,s2',
	'the admin reads every shop');

-- Writing.
SELECT is(pg_temp.as_role('ot_erp_s1', $$SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "a2", "account": "x",
	"recipient": "张三", "phone": "13812345678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}')$$), NULL, 'it submits orders of its shop');
SELECT is(pg_temp.as_role('ot_erp_s1', $$SELECT ordertrack.submit_order('{"shop": "s2", "external_ref": "x2", "account": "x",
	"recipient": "张三", "phone": "13812345678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 1}]}')$$), '42501', 'not of another shop');
SELECT is(pg_temp.as_role('ot_erp_s1', $$INSERT INTO ordertrack.orders (shop, external_ref, account) VALUES ('s2', 'x3', 'x')$$),
	'42501', 'nor by INSERT');
SELECT is(pg_temp.val_as('ot_erp_s1', format($$WITH u AS (UPDATE ordertrack.orders SET phone = '13900000000' WHERE order_id = %s RETURNING 1)
	SELECT count(*) FROM u$$, :b1)), '0', 'another shop''s order is not there to update');
SELECT is(pg_temp.as_role('ot_erp_s1', format('SELECT ordertrack.mark_paid(%s)', :b1)), '42501', 'mark_paid refuses it (42501)');
SELECT is(pg_temp.as_role('ot_erp_s1', format('SELECT ordertrack.confirm(%s)', :b1)), '42501', 'so does confirm');
SELECT is(pg_temp.as_role('ot_erp_s1', format($$SELECT ordertrack.cancel(%s, 'x')$$, :b1)), '42501', 'and cancel (advance)');
SELECT is(pg_temp.as_role('ot_erp_s1', format('SELECT ordertrack.mark_paid(%s)', :a1)), NULL, 'its own orders it marks paid');
SELECT is(pg_temp.as_role('ot_erp_s1', format('SELECT ordertrack.confirm(%s)', :a1)), NULL, 'and confirms');
SELECT tracking_no AS a1_tn FROM orders WHERE order_id = :a1 \gset

-- The warehouse of the other shop.
SELECT is(pg_temp.as_role('ot_wh_s2', format($$SELECT ordertrack.record_pick(%s, 'HD-1', 1)$$, :a1)), '42501',
	'a warehouse bound to s2 may not pick for s1');
SELECT is(pg_temp.as_role('ot_wh_s2', format($$SELECT ordertrack.record_pick(%s, 'HD-1', 1)$$, :b2)), NULL, 'it picks for s2');
SELECT is(pg_temp.val_as('ot_wh_s2', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.order_lines'), 's2',
	'and reads s2''s lines');
SELECT is(pg_temp.as_role('ot_wh_s2', format($$SELECT ordertrack.advance(%s, 'picking')$$, :a1)), '42501',
	'advance refuses another shop''s order');

-- Customer service of s1: reports, timelines, flags, look-ups.
SELECT is(pg_temp.val_as('ot_svc_s1', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.board'), 's1',
	'the board shows its shop only');
SELECT is(pg_temp.val_as('ot_svc_s1', 'SELECT count(*) FROM ordertrack.open_flags WHERE shop <> ''s1'''), '0',
	'so do the open flags');
SELECT is(pg_temp.val_as('ot_svc_s1', 'SELECT count(*) FROM ordertrack.stage_durations WHERE shop <> ''s1'''), '0',
	'and the stage durations');
SELECT is(pg_temp.as_role('ot_svc_s1', format('SELECT * FROM ordertrack.timeline(%s)', :b1)), '42501',
	'another shop''s timeline is refused');
SELECT is(pg_temp.as_role('ot_svc_s1', format($$SELECT ordertrack.resolve_flag(%s, 'x')$$, :b1_flag)), '42501',
	'so is resolving its flag');
SELECT is(pg_temp.val_as('ot_svc_s1', format($$SELECT count(*) FROM ordertrack.lookup(%L, '5678')$$, :'b2_tn')), '0',
	'and looking up its parcel finds nothing');
SELECT is(pg_temp.val_as('ot_svc_s1', format($$SELECT count(*) FROM ordertrack.lookup(%L, '5678')$$, :'a1_tn')), '1',
	'its own shop''s parcel it finds');

-- A consumer bound to s1 receives s1's events only.
SELECT is(pg_temp.val_as('ot_cons_s1', $$SELECT string_agg(shop || ':' || kind, ',' ORDER BY event_id)
	FROM ordertrack.poll('s1-wms', 1000) WHERE order_id IN (900001, 900002)$$), 's1:pick_requested,s1:stage_changed',
	'a consumer bound to s1 polls s1''s events only');
SELECT is((SELECT count(*)::int FROM events WHERE shop = 's2' AND order_id = 900002), 1, '(s2''s event is in the outbox)');
SELECT is(pg_temp.as_role('ot_cons_s1', 'SELECT count(*) FROM ordertrack.events'), '42501', 'and it reads no outbox directly');

-- Unbound again: every shop.
DELETE FROM shop_roles;
SELECT is(pg_temp.val_as('ot_erp_none', 'SELECT string_agg(DISTINCT shop, '','' ORDER BY shop) FROM ordertrack.orders'), 's1,s2',
	'with no role bound, every role reads every shop again');
SELECT is(pg_temp.as_role('ot_svc_s1', format('SELECT * FROM ordertrack.timeline(%s)', :b1)), NULL, 'and every timeline');

SELECT * FROM finish();
ROLLBACK;
DROP ROLE ot_cons_s1;
