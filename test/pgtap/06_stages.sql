-- pgTAP: stages.  The shipped graph, every move it allows (through advance()
-- and through UPDATE), the moves it refuses and how, stage_history and the
-- stage_changed events, who and why, stage_entered_at, changing the graph,
-- the moves that intake and resolve_flag make, and misuse of the triggers.
BEGIN;
SET search_path = ordertrack, public;
-- orders that arrive checked, as a restore brings them (superuser only)
SET ordertrack.restoring = on;
SELECT plan(51);

-- An order that arrived already checked, in the given stage (intake leaves it alone).
CREATE FUNCTION pg_temp.at(ref text, st ordertrack.stage) RETURNS bigint LANGUAGE sql AS $$
	INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, stage, intake_checked_at)
	VALUES ('s1', ref, 'acc-' || ref, '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室', st, now())
	RETURNING order_id
$$;
CREATE FUNCTION pg_temp.moves(id bigint) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(from_stage || '>' || to_stage, ' ' ORDER BY change_id), '')
	  FROM ordertrack.stage_history WHERE order_id = id
$$;
\ir lib/error_of.sql

-- The shipped graph is the one the order-operations lead asked for.
SELECT set_eq($$SELECT from_stage::text, to_stage::text FROM stage_transitions WHERE enabled AND origin = 'shipped'$$,
	$$SELECT f, t FROM (VALUES
		('received', '{review,confirmed,cancelled}'), ('review', '{received,confirmed,cancelled}'),
		('confirmed', '{in_production,picking,review,cancelled}'), ('in_production', '{picking,review,cancelled}'),
		('picking', '{packed,review,cancelled}'), ('packed', '{shipped,review,cancelled}'),
		('shipped', '{in_transit,out_for_delivery,delivered,delivery_failed,lost,returning}'),
		('in_transit', '{out_for_delivery,delivered,delivery_failed,lost,returning}'),
		('out_for_delivery', '{delivered,delivery_failed}'), ('delivery_failed', '{out_for_delivery,delivered,returning}'),
		('returning', '{returned}'), ('delivered', '{completed,after_sales}'), ('after_sales', '{completed,returning}'),
		('returned', '{completed}'), ('lost', '{completed}')) g(f, ts), unnest(ts::text[]) t$$,
	'the shipped stage graph has exactly the default moves');
SELECT is((SELECT count(*)::int FROM stage_transitions), 42, '42 moves in all');
SELECT is(allowed_stages('shipped'), '{in_transit,out_for_delivery,delivery_failed,delivered,returning,lost}'::stage[],
	'allowed_stages lists the moves from a stage in the stage order');
SELECT is(allowed_stages('completed'), '{}'::stage[], 'no move leaves completed');

-- Every move of the graph, through advance() and through UPDATE.
CREATE TEMP TABLE edge_orders AS
	SELECT from_stage, to_stage, pg_temp.at('e-' || from_stage || '-' || to_stage, from_stage) AS order_id,
		   pg_temp.at('u-' || from_stage || '-' || to_stage, from_stage) AS upd_id
	  FROM stage_transitions;
SELECT is((SELECT count(*)::int FROM edge_orders WHERE advance(order_id, to_stage, 'test move') = to_stage), 42,
	'advance() makes every move of the graph');
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN orders o USING (order_id) WHERE o.stage = e.to_stage), 42,
	'and each order is in its new stage');
UPDATE orders o SET stage = e.to_stage FROM edge_orders e WHERE o.order_id = e.upd_id;
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN orders o ON o.order_id = e.upd_id WHERE o.stage = e.to_stage), 42,
	'an UPDATE makes every move of the graph too');
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN stage_history h USING (order_id)
		   WHERE h.from_stage = e.from_stage AND h.to_stage = e.to_stage AND h.actor = current_user
			 AND h.reason = 'test move' AND h.changed_at = now() AND h.shop = 's1'), 42,
	'every move of advance() is in stage_history: from, to, when, who (current_user) and why');
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN stage_history h ON h.order_id = e.upd_id
		   WHERE h.from_stage = e.from_stage AND h.to_stage = e.to_stage AND h.actor = current_user AND h.reason IS NULL), 42,
	'and every move of an UPDATE, without a reason');
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN events v ON v.order_id IN (e.order_id, e.upd_id)
		   WHERE v.topic = 'tracking' AND v.kind = 'stage_changed'
			 AND v.payload ->> 'from' = e.from_stage::text AND v.payload ->> 'to' = e.to_stage::text
			 AND (v.payload ->> 'order_id')::bigint = v.order_id AND v.payload ? 'tracking_no'), 84,
	'every move publishes stage_changed to topic tracking, with order, from, to and tracking_no');
SELECT is((SELECT count(*)::int FROM edge_orders e JOIN orders o USING (order_id)
		   WHERE (o.stage_entered_at ->> e.to_stage::text)::timestamptz = now()), 42,
	'stage_entered_at keeps when the order entered its new stage');

-- Refused moves.
SELECT pg_temp.at('packed', 'packed') AS packed \gset
SELECT is(pg_temp.error_of(format('SELECT ordertrack.advance(%s, %L)', :packed, 'delivered')),
	ARRAY['55000', format('order %s cannot move from stage packed to delivered', :packed),
		  'ordertrack.stage_transitions has no enabled move from packed to delivered.',
		  'From packed an order can move to: review, shipped, cancelled.'],
	'a move the graph does not allow is 55000, names both stages and lists the allowed ones');
SELECT is((pg_temp.error_of(format('UPDATE ordertrack.orders SET stage = %L WHERE order_id = %s', 'delivered', :packed)))[1:2],
	ARRAY['55000', format('order %s cannot move from stage packed to delivered', :packed)],
	'an UPDATE is refused the same way');
SELECT is((SELECT stage FROM orders WHERE order_id = :packed), 'packed', 'the refused order keeps its stage');
SELECT is(pg_temp.moves(:packed), '', 'and nothing is recorded for it');
SELECT is((pg_temp.error_of(format('UPDATE ordertrack.orders SET stage = %L, remarks = %L WHERE order_id = %s',
								   'received', 'x', :packed)))[1], '55000', 'backwards too');
SELECT is((SELECT remarks FROM orders WHERE order_id = :packed), NULL, 'and the rest of that UPDATE is undone');
SELECT pg_temp.at('cancelled', 'cancelled') AS cancelled \gset
SELECT is((pg_temp.error_of(format('SELECT ordertrack.advance(%s, %L)', :cancelled, 'received')))[4],
	'No move leaves stage cancelled.', 'from a final stage the hint says so');
SELECT throws_ok($$SELECT ordertrack.advance(-1, 'confirmed')$$, '42704', 'order -1 does not exist', 'an unknown order is 42704');
SELECT throws_ok($$SELECT ordertrack.advance(NULL, 'confirmed')$$, '22004', 'order_id and stage must not be null',
	'a null order is 22004');
SELECT throws_ok(format('SELECT ordertrack.advance(%s, NULL)', :packed), '22004', NULL, 'and a null stage');
SELECT throws_ok(format('UPDATE ordertrack.orders SET stage = NULL WHERE order_id = %s', :packed), '23502', NULL,
	'a null stage by UPDATE is refused by the table');

-- Moving to the stage the order is in changes nothing.
SELECT is(advance(:packed, 'packed', 'again'), 'packed', 'advance() to the current stage returns it');
SELECT is(pg_temp.moves(:packed), '', 'and records nothing');
UPDATE orders SET remarks = 'leave at the door' WHERE order_id = :packed;
SELECT is(pg_temp.moves(:packed), '', 'an UPDATE that leaves the stage alone records nothing');

-- Who and why.
SELECT is(advance(:packed, 'shipped', 'handed to SF', 'dock-3'), 'shipped', 'advance() with an actor');
SELECT is((SELECT actor || ' / ' || reason FROM stage_history WHERE order_id = :packed), 'dock-3 / handed to SF',
	'the actor and the reason passed are recorded');
SET LOCAL ordertrack.actor = 'carrier-feed';
SET LOCAL ordertrack.reason = 'scan at hub';
UPDATE orders SET stage = 'in_transit' WHERE order_id = :packed;
SELECT is((SELECT actor || ' / ' || reason FROM stage_history WHERE order_id = :packed AND to_stage = 'in_transit'),
	'carrier-feed / scan at hub', 'an UPDATE records the settings ordertrack.actor and ordertrack.reason');
SELECT is(advance(:packed, 'delivered', NULL, ''), 'delivered', 'advance() with an empty actor');
SELECT is((SELECT actor FROM stage_history WHERE order_id = :packed AND to_stage = 'delivered'), current_user::text,
	'is recorded as current_user, not as the setting');
RESET ordertrack.actor;
RESET ordertrack.reason;
SELECT is(pg_temp.moves(:packed), 'packed>shipped shipped>in_transit in_transit>delivered', 'the history in order');
SELECT is((SELECT array_agg(k ORDER BY k) FROM orders, jsonb_object_keys(stage_entered_at) k WHERE order_id = :packed),
	'{delivered,in_transit,shipped}'::text[], 'stage_entered_at has each stage entered since it arrived checked');

-- A role that may run advance() needs no privilege on the tables.
CREATE ROLE ot_stage_clerk;
GRANT USAGE ON SCHEMA ordertrack TO ot_stage_clerk;
GRANT EXECUTE ON FUNCTION advance(bigint, stage, text, text) TO ot_stage_clerk;
SELECT pg_temp.at('clerk', 'received') AS clerk \gset
SET LOCAL ROLE ot_stage_clerk;
SELECT is(advance(:clerk, 'confirmed', 'paid'), 'confirmed', 'a role with EXECUTE on advance() moves an order');
SELECT throws_ok(format('UPDATE ordertrack.orders SET stage = %L WHERE order_id = %s', 'picking', :clerk), '42501', NULL,
	'but cannot UPDATE orders itself');
RESET ROLE;
SELECT is((SELECT actor FROM stage_history WHERE order_id = :clerk), 'ot_stage_clerk', 'the move is recorded as the role''s');
REVOKE EXECUTE ON FUNCTION advance(bigint, stage, text, text) FROM ot_stage_clerk;
SET LOCAL ROLE ot_stage_clerk;
SELECT throws_ok(format('SELECT ordertrack.advance(%s, %L)', :clerk, 'picking'), '42501', NULL,
	'without EXECUTE, advance() is refused');
RESET ROLE;

-- Changing the graph takes effect at once.
SELECT pg_temp.at('shortcut', 'received') AS shortcut \gset
SELECT is((pg_temp.error_of(format('SELECT ordertrack.advance(%s, %L)', :shortcut, 'picking')))[1], '55000',
	'received to picking is not a shipped move');
INSERT INTO stage_transitions (from_stage, to_stage) VALUES ('received', 'picking');
SELECT is((SELECT origin FROM stage_transitions WHERE from_stage = 'received' AND to_stage = 'picking'), 'custom',
	'a move the shop adds is custom');
SELECT is(advance(:shortcut, 'picking', 'pre-paid pick'), 'picking', 'and allowed at once');
UPDATE stage_transitions SET enabled = false WHERE from_stage = 'picking' AND to_stage = 'packed';
SELECT is((pg_temp.error_of(format('SELECT ordertrack.advance(%s, %L)', :shortcut, 'packed')))[4],
	'From picking an order can move to: review, cancelled.', 'a move switched off is refused at once, and not offered');
UPDATE stage_transitions SET enabled = true WHERE from_stage = 'picking' AND to_stage = 'packed';
SELECT is(advance(:shortcut, 'packed'), 'packed', 'switched on again, it is allowed');
SELECT throws_ok($$DELETE FROM ordertrack.stage_transitions WHERE from_stage = 'packed' AND to_stage = 'shipped'$$,
	'55000', NULL, 'a shipped move is switched off, not deleted');
SELECT throws_ok($$INSERT INTO ordertrack.stage_transitions (from_stage, to_stage) VALUES ('packed', 'packed')$$,
	'23514', NULL, 'a move from a stage to itself is refused');

-- Intake and resolve_flag move orders too, and say why.
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'held', 'account', 'acc-held', 'recipient', '',
	'phone', '13812345678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'X-1', 'quantity', 1)))) AS held \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT from_stage || '>' || to_stage || ' ' || actor || ' ' || reason FROM stage_history WHERE order_id = :held),
	'received>review ' || current_user || ' held by intake: name_missing, sku_unknown',
	'intake''s move to review is recorded with the blocking flags as the reason');
SELECT is((SELECT array_agg(k ORDER BY k) FROM orders, jsonb_object_keys(stage_entered_at) k WHERE order_id = :held),
	'{received,review}'::text[], 'a new order notes when it entered received, and intake when it entered review');
SELECT is((SELECT array_agg(resolve_flag(flag_id, 'checked') ORDER BY flag_id) FROM flags WHERE order_id = :held AND severity = 'block'),
	'{review,received}'::stage[], 'resolving the blocking flags returns the order to received');
SELECT matches((SELECT reason FROM stage_history WHERE order_id = :held AND to_stage = 'received'),
	'^flag [0-9]+ \(sku_unknown\) resolved$', 'that move names the flag resolved last');
SET LOCAL ordertrack.intake_sql = on;
SELECT submit_order(jsonb_build_object('shop', 's1', 'external_ref', 'held-sql', 'account', 'acc-held-sql', 'recipient', '张三',
	'phone', '123', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
	'lines', jsonb_build_array(jsonb_build_object('sku', 'X-1', 'quantity', 1)))) AS held_sql \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
RESET ordertrack.intake_sql;
SELECT is((SELECT reason FROM stage_history WHERE order_id = :held_sql), 'held by intake: phone_invalid, sku_unknown',
	'and so is a move made by intake''s SQL path');

-- Deleting an order deletes its history.
DELETE FROM orders WHERE order_id = :packed;
SELECT is(pg_temp.moves(:packed), '', 'deleting an order deletes its stage history');

-- The triggers refuse to run where they do not belong.
CREATE TEMP TABLE not_orders (stage ordertrack.stage);
CREATE TRIGGER g BEFORE UPDATE ON not_orders FOR EACH ROW EXECUTE FUNCTION ordertrack.order_stage_guard();
INSERT INTO not_orders VALUES ('received');
SELECT throws_ok('UPDATE not_orders SET stage = ''review''', '39P01',
	'order_stage_guard must be fired AFTER UPDATE for each row', 'order_stage_guard only as AFTER UPDATE');
DROP TRIGGER g ON not_orders;
CREATE TRIGGER g AFTER INSERT ON not_orders FOR EACH ROW EXECUTE FUNCTION ordertrack.order_stage_guard();
SELECT throws_ok('INSERT INTO not_orders VALUES (''received'')', '39P01',
	'order_stage_guard must be fired AFTER UPDATE for each row', 'nor on INSERT');

SELECT * FROM finish();
ROLLBACK;
