-- pgTAP: what a role may not do to others or to the checks.  A consumer is
-- its owner's (another role can neither read its events, nor acknowledge
-- them away, nor change its topics); history records the real role
-- whatever actor a caller names; the settings that guard intake's checks
-- are not a submitter's to switch off; next_event_id is not PUBLIC's.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(45);
\ir lib/error_of.sql

CREATE ROLE ot_svc_a;
CREATE ROLE ot_svc_b;
CREATE ROLE ot_svc_a_member IN ROLE ot_svc_a;
GRANT USAGE ON SCHEMA ordertrack TO ot_svc_a, ot_svc_b;
GRANT EXECUTE ON FUNCTION poll(text, integer), ack(text, bigint), subscribe(text, text[]) TO ot_svc_a, ot_svc_b;

-- An event for the consumers to receive, committed as far as poll can tell.
INSERT INTO events (shop, topic, kind, order_id, payload)
VALUES ('s1', 'warehouse', 'pick_requested', 1, '{"recipient": "张三", "phone": "13812345678"}');

-- Consumers belong to the role that created them.
SET LOCAL ROLE ot_svc_a;
SELECT lives_ok($$SELECT ordertrack.subscribe('svc-a', '{warehouse}')$$, 'a role creates its consumer');
RESET ROLE;
SELECT is((SELECT owner FROM consumers WHERE consumer = 'svc-a'), 'ot_svc_a', 'and owns it');

SET LOCAL ROLE ot_svc_b;
SELECT is((pg_temp.error_of($$SELECT * FROM ordertrack.poll('svc-a')$$))[1:2],
	ARRAY['42501', 'consumer "svc-a" belongs to role ot_svc_a'], 'another role cannot poll it (42501)');
SELECT is((pg_temp.error_of($$SELECT ordertrack.subscribe('svc-a', '{warehouse,customer,alerts}')$$))[1], '42501',
	'nor change its topics');
RESET ROLE;
SELECT is((SELECT topics FROM consumers WHERE consumer = 'svc-a'), '{warehouse}'::text[], 'whose topics stay as they were');

SET LOCAL ROLE ot_svc_a;
SELECT is((SELECT count(*)::int FROM ordertrack.poll('svc-a')), 0, 'its owner polls it (nothing committed yet in this transaction)');
RESET ROLE;
-- (the owner check comes before any check of the event)
SELECT max(event_id) AS ev FROM events \gset
SET LOCAL ROLE ot_svc_b;
SELECT is((pg_temp.error_of(format('SELECT ordertrack.ack(%L, %s)', 'svc-a', :ev)))[1], '42501',
	'another role cannot acknowledge its events away');
RESET ROLE;
SELECT is((SELECT acked_id FROM consumers WHERE consumer = 'svc-a'), 0::bigint, 'whose position stays where it was');

SET LOCAL ROLE ot_svc_a_member;
SELECT lives_ok($$SELECT * FROM ordertrack.poll('svc-a')$$, 'a member of the owning role may use it');
RESET ROLE;
SET LOCAL ROLE ot_svc_b;
SELECT lives_ok($$SELECT * FROM ordertrack.poll('svc-b')$$, 'each role has its own consumers');
RESET ROLE;
SELECT is((SELECT owner FROM consumers WHERE consumer = 'svc-b'), 'ot_svc_b', 'created by its first poll');
INSERT INTO consumers (consumer) VALUES ('legacy');
SET LOCAL ROLE ot_svc_b;
SELECT lives_ok($$SELECT * FROM ordertrack.poll('legacy')$$, 'a consumer with no owner (from before 0.9) is open to any role that may poll');
RESET ROLE;

-- History records the role, whatever actor the caller names.
CREATE ROLE ot_clerk;
GRANT USAGE ON SCHEMA ordertrack TO ot_clerk;
GRANT EXECUTE ON FUNCTION advance(bigint, stage, text, text) TO ot_clerk;
SET ordertrack.restoring = on;
INSERT INTO orders (shop, external_ref, account, recipient, phone, address, stage, intake_checked_at)
VALUES ('s1', 'forged', 'acc-f', '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室', 'received', now())
RETURNING order_id AS forged \gset
RESET ordertrack.restoring;
SET LOCAL ROLE ot_clerk;
SELECT is(advance(:forged, 'confirmed', 'paid', 'cfo@shop'), 'confirmed', 'a clerk moves an order, naming another actor');
RESET ROLE;
SELECT is((SELECT actor || ' / ' || role FROM stage_history WHERE order_id = :forged), 'cfo@shop / ot_clerk',
	'the history keeps the actor named and the role that made the move');
SET LOCAL ordertrack.actor = 'someone-else';
UPDATE orders SET stage = 'picking' WHERE order_id = :forged;
SELECT is((SELECT actor || ' / ' || role FROM stage_history WHERE order_id = :forged AND to_stage = 'picking'),
	'someone-else / ' || session_user, 'also through ordertrack.actor and a direct UPDATE');
RESET ordertrack.actor;
SELECT is(calling_role(), current_user::text, 'calling_role() is the session''s role');

-- The settings that guard intake's checks are not a submitter's.
LOAD 'ordertrack';
SET LOCAL ROLE ot_clerk;
SELECT is((pg_temp.error_of($$SET ordertrack.duplicate_window = 0$$))[1], '42501',
	'a submitter cannot switch the duplicate check off');
SELECT is((pg_temp.error_of($$SET ordertrack.bulk_quantity = 1000000$$))[1], '42501', 'nor the bulk check');
SELECT is((pg_temp.error_of($$SET ordertrack.address_min_chars = 0$$))[1], '42501', 'nor the address length check');
RESET ROLE;
GRANT SET ON PARAMETER ordertrack.duplicate_window TO ot_clerk;
SET LOCAL ROLE ot_clerk;
SELECT lives_ok($$SET LOCAL ordertrack.duplicate_window = '1h'$$, 'a role granted SET on the parameter may change it');
RESET ROLE;

-- No writer skips intake: what only ordertrack sets is refused on a new order.
CREATE ROLE ot_writer;
GRANT USAGE ON SCHEMA ordertrack TO ot_writer;
GRANT INSERT ON orders, order_lines TO ot_writer;
SELECT issue_tracking_no() AS tn \gset
SET LOCAL ROLE ot_writer;
SELECT is((pg_temp.error_of($$INSERT INTO ordertrack.orders (shop, external_ref, account, intake_checked_at, stage)
	VALUES ('s1', 'skip', 'w', now(), 'delivered')$$))[1], '42501', 'a writer cannot insert an order as already checked');
SELECT is((pg_temp.error_of(format('INSERT INTO ordertrack.orders (shop, external_ref, account, tracking_no) VALUES (%L, %L, %L, %L)',
	's1', 'steal', 'w', :'tn')))[1:2],
	ARRAY['42501', 'tracking_no of a new order is set by ordertrack, not by the writer'], 'nor with a tracking number');
SELECT is((pg_temp.error_of($$INSERT INTO ordertrack.orders (shop, external_ref, account, carrier) VALUES ('s1', 'carry', 'w', 'SF')$$))[1],
	'42501', 'nor with a carrier');
SELECT is((pg_temp.error_of($$SET ordertrack.restoring = on$$))[1], '42501', 'nor switch restoring on');
RESET ROLE;

-- Nor on an order it may update: those columns are set by intake and
-- confirm() alone, and a tracking number is one order's in its shop.
GRANT SELECT, UPDATE ON orders TO ot_writer;
SET ordertrack.restoring = on;
INSERT INTO orders (shop, external_ref, account, recipient, phone, address, intake_checked_at, tracking_no, carrier)
VALUES ('s1', 'taken', 'acc-t', '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室', now(), :'tn', 'SF')
RETURNING order_id AS taken \gset
RESET ordertrack.restoring;
SELECT issue_tracking_no() AS tn2 \gset
SET LOCAL ROLE ot_writer;
SELECT is((pg_temp.error_of(format('UPDATE ordertrack.orders SET tracking_no = %L WHERE order_id = %s', :'tn2', :forged)))[1:2],
	ARRAY['42501', 'tracking_no of an order is set by ordertrack, not by the writer'],
	'a writer cannot give an order a tracking number');
SELECT is((pg_temp.error_of(format('UPDATE ordertrack.orders SET carrier = NULL WHERE order_id = %s', :taken)))[1], '42501',
	'nor change its carrier');
SELECT is((pg_temp.error_of(format('UPDATE ordertrack.orders SET intake_checked_at = NULL WHERE order_id = %s', :taken)))[1], '42501',
	'nor send it back to intake');
SELECT is((pg_temp.error_of(format($$UPDATE ordertrack.orders SET stage_move = '{"actor": "ceo", "reason": "forged"}', stage = 'cancelled' WHERE order_id = %s$$, :taken)))[1:2],
	ARRAY['42501', 'stage_move of an order is set by ordertrack, not by the writer'],
	'nor name the actor and role of a move through stage_move');
SELECT lives_ok(format($$UPDATE ordertrack.orders SET remarks = 'ring twice' WHERE order_id = %s$$, :taken),
	'other columns it may update');
RESET ROLE;
SELECT throws_ok(format('UPDATE orders SET tracking_no = %L WHERE order_id = %s', :'tn', :forged), '23505', NULL,
	'even the owner cannot give two orders of a shop one number');
SET ordertrack.restoring = on;
INSERT INTO orders (shop, external_ref, account, intake_checked_at, tracking_no)
VALUES ('s2', 'twin', 'acc-t', now(), :'tn');
RESET ordertrack.restoring;
SELECT is((pg_temp.error_of(format('SELECT ordertrack.record_scan(%L, %L, now())', :'tn', 'collected')))[1:2],
	ARRAY['21000', format('orders of several shops have tracking number %s', :'tn')],
	'a scan of a number that a restore gave orders of two shops is refused, not given to one of them');

-- Every line is checked: one added to a checked order with the order's
-- lines until the order is confirmed; after, the lines are fixed.
INSERT INTO products (sku, title) VALUES ('HD-1', 'hoodie');
SET LOCAL ROLE ot_writer;
SELECT lives_ok(format($$INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) VALUES ('s1', %s, 'NOPE', 100000)$$,
	:taken), 'a line added to a checked order in received goes in');
RESET ROLE;
SELECT is((SELECT string_agg(code, ',' ORDER BY code) FROM flags WHERE order_id = :taken), 'quantity_unusual,sku_unknown',
	'and is checked: the unknown SKU and the quantity are flagged');
SELECT is((SELECT stage::text || ' ' || array_to_string(skus, ',') FROM orders WHERE order_id = :taken), 'review NOPE',
	'the order is held, with the line''s SKU');
SELECT is((SELECT reason FROM stage_history WHERE order_id = :taken AND to_stage = 'review'),
	'held by intake after a line was added: sku_unknown', 'saying why');
SET LOCAL ROLE ot_writer;
INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) VALUES ('s1', :taken, 'HD-1', 1);
RESET ROLE;
SELECT is((SELECT count(*)::int FROM flags WHERE order_id = :taken), 2, 'a good line adds no flag, and the first ones are not raised again');
SET LOCAL ROLE ot_writer;
INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address)
VALUES ('s1', 'fresh', 'acc-n', '李四', '13812345678', '北京市朝阳区建国路88号3号楼2单元502室');
SELECT lives_ok($$INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity)
	SELECT 's1', order_id, 'HD-1', 1 FROM ordertrack.orders WHERE external_ref = 'fresh'$$,
	'the lines of an order it inserted in this transaction go in');
RESET ROLE;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT stage::text FROM orders WHERE external_ref = 'fresh'), 'received', 'and are checked with it, at commit');
SET LOCAL ROLE ot_writer;
INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity)
	SELECT 's1', order_id, 'NOPE-2', 1 FROM ordertrack.orders WHERE external_ref = 'fresh';
RESET ROLE;
SELECT is((SELECT stage::text || ' ' || (SELECT string_agg(f.detail, ',') FROM flags f WHERE f.order_id = o.order_id) FROM orders o WHERE external_ref = 'fresh'),
	'review SKU NOPE-2 is not in the catalogue.', 'a line added once it was checked, in the same transaction, is checked too');
SELECT order_id AS fresh FROM orders WHERE external_ref = 'fresh' \gset
UPDATE orders SET stage = 'cancelled' WHERE order_id = :fresh;
SET LOCAL ROLE ot_writer;
SELECT is((pg_temp.error_of(format($$INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) VALUES ('s1', %s, 'HD-1', 1)$$,
	:fresh)))[1:2], ARRAY['55000', format('order %s of shop "s1" is cancelled: its lines are fixed', :fresh)],
	'past review, a line is refused');
RESET ROLE;
SET ordertrack.restoring = on;
SELECT lives_ok(format($$INSERT INTO order_lines (shop, order_id, sku, quantity) VALUES ('s1', %s, 'HD-1', 1)$$, :fresh),
	'a restore puts any order''s lines back');
RESET ordertrack.restoring;

-- The guards' triggers, attached otherwise, say how they must be.
SAVEPOINT guards;
CREATE TABLE public.misattached (shop text, order_id bigint, intake_checked_at timestamptz, tracking_no text, carrier text);
CREATE TRIGGER g BEFORE INSERT ON public.misattached FOR EACH ROW EXECUTE FUNCTION ordertrack.order_line_guard();
SELECT is((pg_temp.error_of($$INSERT INTO public.misattached (shop, order_id) VALUES ('s1', 1)$$))[1:2],
	ARRAY['39P01', 'order_line_guard must be fired AFTER INSERT ON order_lines FOR EACH ROW'],
	'order_line_guard attached BEFORE INSERT says how it must be fired');
DROP TRIGGER g ON public.misattached;
CREATE TRIGGER g AFTER INSERT ON public.misattached FOR EACH ROW EXECUTE FUNCTION ordertrack.order_columns_guard();
SELECT is((pg_temp.error_of($$INSERT INTO public.misattached (shop, order_id) VALUES ('s1', 1)$$))[1], '39P01',
	'so does order_columns_guard on INSERT');
ROLLBACK TO SAVEPOINT guards;
SELECT is(shop_visible(NULL), false, 'no role sees a NULL shop');

-- next_event_id is the outbox's, not PUBLIC's.
SELECT ok(NOT has_function_privilege('ot_svc_b', 'ordertrack.next_event_id()', 'EXECUTE'),
	'a role without grants cannot run next_event_id()');

SELECT * FROM finish();
ROLLBACK;
