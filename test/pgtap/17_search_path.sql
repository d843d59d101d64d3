-- pgTAP: a caller's search_path.  A role puts a schema of its own first on
-- its search_path (before pg_catalog), with functions, operators, tables and
-- functions named like ordertrack's helpers that shadow what ordertrack uses;
-- each records in evil.calls that it ran, and as whom.  Then the role, and a
-- superuser with the same search_path, go through intake, corrections,
-- resolve_flag, payment, confirmation, picking, stages, scans, feedback,
-- the outbox, the text functions, timeline, lookup, the reports, sweep and
-- the settings tables: every result is the one expected, and none of the
-- shadowing objects ran (evil.calls stays empty; a call inside a statement
-- that fails would be rolled back with it, so only the refusals checked
-- below run that way).  The test's own statements under that search_path
-- name the operators and functions they use with their schema: unqualified,
-- they would run the role's (as the second test shows).
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(53);
\ir lib/error_of.sql

INSERT INTO products (sku, title, spec, colour, fragile, cold_chain, customizable) VALUES
	('HD-1', 'hoodie', 'L', 'grey', false, false, false),
	('CUP-1', 'mug', '350ml', 'white', true, false, true);
INSERT INTO customer_notes (shop, account, kind, note) VALUES ('s1', 'acc-evil', 'preference', 'asked for a call before delivery');

-- The role, with what an ERP, a warehouse, a carrier feed and a
-- customer-service desk are granted, and its schema.
CREATE ROLE ot_evil;
CREATE SCHEMA evil AUTHORIZATION ot_evil;
GRANT ordertrack_erp, ordertrack_warehouse, ordertrack_logistics, ordertrack_service TO ot_evil;
GRANT INSERT, SELECT, UPDATE ON orders, order_lines TO ot_evil;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA ordertrack TO ot_evil;
GRANT EXECUTE ON FUNCTION advance(bigint, stage, text, text), resolve_flag(bigint, text),
	mark_paid(bigint, timestamptz), choose_carrier(bigint), carrier_choice(bigint), confirm(bigint),
	record_pick(bigint, text, integer), report_shortage(bigint, text, integer),
	record_scan(tracking_no, text, timestamptz, text, text), add_feedback(bigint, integer, text),
	subscribe(text, text[]), poll(text, integer), ack(text, bigint),
	timeline(bigint), lookup(tracking_no, text) TO ot_evil;

-- Its shadowing objects, made by the role itself.
SET LOCAL ROLE ot_evil;
CREATE TABLE evil.calls (what text NOT NULL, by_role text NOT NULL, context text);
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT INSERT ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.spy(what text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	context text;
BEGIN
	GET DIAGNOSTICS context = PG_CONTEXT;
	INSERT INTO evil.calls VALUES (what, current_user::text, context);
	RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION evil.spy(text) TO PUBLIC;
DO $$
DECLARE
	f text[];
	o text[];
	n int;
	args text;
BEGIN
	-- functions: name, argument types, result type, and what they return
	-- (the real function's result, or NULL for ordertrack's helpers)
	FOREACH f SLICE 1 IN ARRAY ARRAY[
		['now', '', 'timestamptz', 'pg_catalog'], ['clock_timestamp', '', 'timestamptz', 'pg_catalog'],
		['statement_timestamp', '', 'timestamptz', 'pg_catalog'], ['transaction_timestamp', '', 'timestamptz', 'pg_catalog'],
		['lower', 'text', 'text', 'pg_catalog'], ['upper', 'text', 'text', 'pg_catalog'],
		['btrim', 'text', 'text', 'pg_catalog'], ['btrim', 'text, text', 'text', 'pg_catalog'],
		['ltrim', 'text', 'text', 'pg_catalog'], ['rtrim', 'text', 'text', 'pg_catalog'],
		['length', 'text', 'integer', 'pg_catalog'], ['char_length', 'text', 'integer', 'pg_catalog'],
		['replace', 'text, text, text', 'text', 'pg_catalog'], ['repeat', 'text, integer', 'text', 'pg_catalog'],
		['right', 'text, integer', 'text', 'pg_catalog'], ['left', 'text, integer', 'text', 'pg_catalog'],
		['regexp_replace', 'text, text, text, text', 'text', 'pg_catalog'],
		['regexp_replace', 'text, text, text', 'text', 'pg_catalog'], ['strpos', 'text, text', 'integer', 'pg_catalog'],
		['array_to_string', 'text[], text', 'text', 'pg_catalog'], ['string_to_array', 'text, text', 'text[]', 'pg_catalog'],
		['array_length', 'text[], integer', 'integer', 'pg_catalog'], ['cardinality', 'text[]', 'integer', 'pg_catalog'],
		['array_append', 'text[], text', 'text[]', 'pg_catalog'], ['array_position', 'text[], text', 'integer', 'pg_catalog'],
		['nextval', 'regclass', 'bigint', 'pg_catalog'], ['currval', 'regclass', 'bigint', 'pg_catalog'],
		['setval', 'regclass, bigint', 'bigint', 'pg_catalog'],
		['format', 'text', 'text', 'pg_catalog'], ['format', 'text, text', 'text', 'pg_catalog'],
		['format', 'text, text, text', 'text', 'pg_catalog'], ['format', 'text, bigint, text', 'text', 'pg_catalog'],
		['jsonb_build_object', 'text, text', 'jsonb', 'pg_catalog'], ['jsonb_build_object', 'text, bigint', 'jsonb', 'pg_catalog'],
		['jsonb_build_object', 'text, text, text, text', 'jsonb', 'pg_catalog'],
		['jsonb_build_object', 'text, bigint, text, text', 'jsonb', 'pg_catalog'],
		['jsonb_build_array', 'jsonb', 'jsonb', 'pg_catalog'], ['to_jsonb', 'text', 'jsonb', 'pg_catalog'],
		['jsonb_path_exists', 'jsonb, jsonpath', 'boolean', 'pg_catalog'],
		['jsonb_populate_record', 'ordertrack.orders, jsonb', 'ordertrack.orders', 'pg_catalog'],
		['current_setting', 'text', 'text', 'pg_catalog'], ['current_setting', 'text, boolean', 'text', 'pg_catalog'],
		['set_config', 'text, text, boolean', 'text', 'pg_catalog'], ['pg_notify', 'text, text', 'void', 'pg_catalog'],
		['pg_has_role', 'name, text', 'boolean', 'pg_catalog'], ['pg_has_role', 'name, name, text', 'boolean', 'pg_catalog'],
		['pg_has_role', 'text, text, text', 'boolean', 'pg_catalog'],
		['has_function_privilege', 'text, text', 'boolean', 'pg_catalog'],
		['pg_current_xact_id', '', 'xid8', 'pg_catalog'], ['txid_current', '', 'bigint', 'pg_catalog'],
		['pg_current_snapshot', '', 'pg_snapshot', 'pg_catalog'], ['random', '', 'double precision', 'pg_catalog'],
		['gen_random_uuid', '', 'uuid', 'pg_catalog'], ['md5', 'text', 'text', 'pg_catalog'],
		['round', 'numeric', 'numeric', 'pg_catalog'], ['round', 'numeric, integer', 'numeric', 'pg_catalog'],
		['date_trunc', 'text, timestamptz', 'timestamptz', 'pg_catalog'], ['age', 'timestamptz', 'interval', 'pg_catalog'],
		['to_char', 'timestamptz, text', 'text', 'pg_catalog'], ['quote_ident', 'text', 'text', 'pg_catalog'],
		['quote_literal', 'text', 'text', 'pg_catalog'], ['coalesce', 'text, text', 'text', NULL],
		['nullif', 'text, text', 'text', NULL],
		-- ordertrack's helpers and functions, by name
		['acting_user', '', 'text', NULL], ['calling_role', '', 'text', NULL],
		['order_shop', 'bigint', 'text', NULL], ['order_for_update', 'bigint', 'ordertrack.orders', NULL],
		['publish', 'text, bigint, text, text, jsonb', 'void', NULL],
		['raise_flag', 'text, bigint, text, text', 'bigint', NULL], ['consumer_access', 'text', 'void', NULL],
		['issue_tracking_no', '', 'ordertrack.tracking_no', NULL], ['next_event_id', '', 'bigint', NULL],
		['tracking_no', 'bigint', 'ordertrack.tracking_no', NULL], ['tracking_no_valid', 'text', 'boolean', NULL],
		['sweep_settings', '', 'record', NULL], ['carrier_choice', 'bigint', 'jsonb', NULL],
		['choose_carrier', 'bigint', 'text', NULL], ['allowed_stages', 'ordertrack.stage', 'ordertrack.stage[]', NULL],
		['advance', 'bigint, ordertrack.stage, text, text', 'ordertrack.stage', NULL],
		['snapshot_without', 'pg_snapshot, xid8', 'pg_snapshot', NULL], ['bar', 'double precision, double precision, integer', 'text', NULL],
		['normalize_phone', 'text', 'text', NULL], ['phone_kind', 'text', 'text', NULL],
		['locate_region', 'text', 'record', NULL], ['special_requests', 'text', 'text[]', NULL],
		['significant_chars', 'text', 'integer', NULL], ['address_needs_unit', 'text', 'boolean', NULL]]
	LOOP
		n := coalesce(array_length(string_to_array(nullif(f[2], ''), ','), 1), 0);
		SELECT string_agg('$' || i, ', ') INTO args FROM generate_series(1, n) i;
		EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS $b$ BEGIN '
					   'PERFORM evil.spy(%L); %s; END $b$',
					   f[1], f[2], f[3], format('%s(%s)', f[1], f[2]),
					   CASE WHEN f[3] = 'void' AND f[4] IS NULL THEN 'RETURN'
							WHEN f[3] = 'void' THEN format('PERFORM %s.%I(%s); RETURN', f[4], f[1], args)
							WHEN f[4] IS NULL THEN 'RETURN NULL'
							ELSE format('RETURN %s.%I(%s)', f[4], f[1], args) END);
	END LOOP;
	-- operators: name, left and right types, result type, the real function
	FOREACH o SLICE 1 IN ARRAY ARRAY[
		['=', 'text', 'text', 'boolean', 'texteq'], ['<>', 'text', 'text', 'boolean', 'textne'],
		['||', 'text', 'text', 'text', 'textcat'], ['<', 'text', 'text', 'boolean', 'text_lt'],
		['~~', 'text', 'text', 'boolean', 'textlike'], ['~', 'text', 'text', 'boolean', 'textregexeq'],
		['=', 'bigint', 'bigint', 'boolean', 'int8eq'], ['<>', 'bigint', 'bigint', 'boolean', 'int8ne'],
		['<', 'bigint', 'bigint', 'boolean', 'int8lt'], ['>', 'bigint', 'bigint', 'boolean', 'int8gt'],
		['<=', 'bigint', 'bigint', 'boolean', 'int8le'], ['>=', 'bigint', 'bigint', 'boolean', 'int8ge'],
		['+', 'bigint', 'bigint', 'bigint', 'int8pl'], ['=', 'integer', 'integer', 'boolean', 'int4eq'],
		['<', 'integer', 'integer', 'boolean', 'int4lt'], ['>', 'integer', 'integer', 'boolean', 'int4gt'],
		['>=', 'integer', 'integer', 'boolean', 'int4ge'], ['<=', 'integer', 'integer', 'boolean', 'int4le'],
		['=', 'bigint', 'integer', 'boolean', 'int84eq'], ['=', 'boolean', 'boolean', 'boolean', 'booleq'],
		['=', 'name', 'name', 'boolean', 'nameeq'],
		['=', 'timestamptz', 'timestamptz', 'boolean', 'timestamptz_eq'],
		['<', 'timestamptz', 'timestamptz', 'boolean', 'timestamptz_lt'],
		['>', 'timestamptz', 'timestamptz', 'boolean', 'timestamptz_gt'],
		['>=', 'timestamptz', 'timestamptz', 'boolean', 'timestamptz_ge'],
		['<=', 'timestamptz', 'timestamptz', 'boolean', 'timestamptz_le'],
		['-', 'timestamptz', 'interval', 'timestamptz', 'timestamptz_mi_interval'],
		['+', 'timestamptz', 'interval', 'timestamptz', 'timestamptz_pl_interval'],
		['-', 'timestamptz', 'timestamptz', 'interval', 'timestamptz_mi'],
		['->>', 'jsonb', 'text', 'text', 'jsonb_object_field_text'], ['->', 'jsonb', 'text', 'jsonb', 'jsonb_object_field'],
		['||', 'jsonb', 'jsonb', 'jsonb', 'jsonb_concat'], ['?', 'jsonb', 'text', 'boolean', 'jsonb_exists'],
		['-', 'jsonb', 'text', 'jsonb', 'jsonb_delete'],
		['@>', 'text[]', 'text[]', 'boolean', 'arraycontains'], ['<@', 'text[]', 'text[]', 'boolean', 'arraycontained'],
		['&&', 'text[]', 'text[]', 'boolean', 'arrayoverlap'], ['=', 'text[]', 'text[]', 'boolean', 'array_eq'],
		['=', 'ordertrack.stage', 'ordertrack.stage', 'boolean', 'enum_eq'],
		['<>', 'ordertrack.stage', 'ordertrack.stage', 'boolean', 'enum_ne'],
		['=', 'ordertrack.tracking_no', 'ordertrack.tracking_no', 'boolean', NULL]]
	LOOP
		EXECUTE format('CREATE FUNCTION evil.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$ BEGIN '
					   'PERFORM evil.spy(%L); RETURN %s; END $b$',
					   'op_' || md5(o[1] || o[2] || o[3]), o[2], o[3], o[4], format('%s %s %s', o[2], o[1], o[3]),
					   CASE WHEN o[5] IS NULL THEN 'NULL' ELSE format('pg_catalog.%I($1, $2)', o[5]) END);
		EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%I)',
					   o[1], o[2], o[3], 'op_' || md5(o[1] || o[2] || o[3]));
	END LOOP;
END $$;
-- tables and sequences by the names of ordertrack's: reading one records it
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'flags', 'flag_codes', 'events', 'consumers', 'stage_transitions',
							 'stage_history', 'regions', 'remote_regions', 'address_unit_keywords',
							 'special_request_keywords', 'products', 'customer_notes', 'carriers', 'carrier_rules',
							 'carrier_scores', 'scans', 'tracking_secret', 'sweeps', 'outbox_origin']
	LOOP
		EXECUTE format('CREATE VIEW evil.%I AS SELECT NULL::text AS x WHERE evil.spy(%L)', t, 'table ' || t);
	END LOOP;
	CREATE SEQUENCE evil.tracking_seq;
	CREATE SEQUENCE evil.events_event_id_seq;
END $$;
RESET ROLE;

SELECT is(ARRAY[(SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'evil'::regnamespace),
				 (SELECT count(*)::int FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace)], ARRAY[129, 41],
	'the role has its functions and operators in its schema');

-- The shadows work: an unqualified call under that search_path runs them.
SET LOCAL ROLE ot_evil;
SET LOCAL search_path = evil, ordertrack, public, pg_catalog;
SELECT now() IS NOT NULL AS x, lower('A') AS y, 'a'::text = 'a'::text AS z, order_shop(1) AS w \gset
RESET ROLE;
SET LOCAL search_path = ordertrack, public;
SELECT is((SELECT array_agg(what ORDER BY what) FROM evil.calls), '{lower(text),now(),order_shop(bigint),text = text}',
	'under that search_path, an unqualified now(), lower(), = on text and order_shop() are the role''s');
TRUNCATE evil.calls;

-- What follows runs as the role with its schema first on the search_path,
-- and before anything else in this session touched ordertrack's caches and
-- prepared statements.
\set as_evil 'SET LOCAL ROLE ot_evil; SET LOCAL search_path = evil, ordertrack, public, pg_catalog;'
\set as_owner_evil 'RESET ROLE; SET LOCAL search_path = evil, ordertrack, public, pg_catalog;'
\set plain 'RESET ROLE; SET LOCAL search_path = ordertrack, public;'

-- The text functions.
:as_evil
SELECT ordertrack.phone_kind('138 1234 5678') AS pk, ordertrack.normalize_phone('+86 (0)10 6234 5678 转 12') AS np,
	ordertrack.significant_chars('张三 。。 🙂') AS sc, ordertrack.address_needs_unit('上海市浦东新区某某花园小区') AS anu,
	ordertrack.address_needs_unit('北京市朝阳区建国路88号3号楼2单元501室') AS anu2,
	ordertrack.special_requests('周末配送，放快递柜，别打电话') AS sr, ordertrack.allowed_stages('packed') AS al,
	ordertrack.calling_role() AS cr, ordertrack.tracking_no_valid('nonsense') AS tv \gset
SELECT r.province, r.city, r.district, r.remote FROM ordertrack.locate_region('新疆乌鲁木齐市天山区解放北路100号2单元301室') r \gset lr_
:plain
SELECT is(:'pk' || ' ' || :'np' || ' ' || :'sc', 'cn_mobile +861062345678;ext=12 2', 'phone_kind, normalize_phone and significant_chars');
SELECT is(:'anu' || ' ' || :'anu2' || ' ' || :'sr', 't f {weekend_delivery,parcel_locker,sms_only}',
	'address_needs_unit and special_requests');
SELECT is(:'lr_province' || :'lr_city' || :'lr_district' || ' ' || :'lr_remote', '新疆维吾尔自治区乌鲁木齐市天山区 t',
	'locate_region');
SELECT is(:'al' || ' ' || :'cr' || ' ' || :'tv', '{review,shipped,cancelled} ot_evil f',
	'allowed_stages, calling_role and tracking_no_valid');

-- Intake of the role's orders, checked at once (the commit-time triggers).
:as_evil
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "ev1", "account": "acc-evil", "recipient": "张三",
	"phone": "138 1234 5678", "address": "北京市朝阳区建国路88号3号楼2单元501室", "remarks": "周末配送",
	"lines": [{"sku": "HD-1", "title": "hoodie", "spec": "L", "colour": "grey", "quantity": 2},
			  {"sku": "CUP-1", "quantity": 1, "customization": "To Mum"}]}') AS ev1 \gset
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "ev2", "account": "acc-evil2", "recipient": "李四",
	"phone": "12345", "address": "北京市朝阳区建国路88号3号楼2单元501室", "cash_on_delivery": true,
	"lines": [{"sku": "HD-1", "quantity": 1}]}') AS ev2 \gset
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "ev3", "account": "acc-evil3", "recipient": " 。。 ",
	"phone": "13812345678", "address": "上海市浦东新区某某花园小区", "lines": [{"sku": "HD-1", "quantity": 1}, {"sku": "NOPE", "quantity": 60}]}') AS ev3 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "ev4", "account": "acc-evil", "recipient": "张三",
	"phone": "13812345678", "address": "北京市朝阳区建国路88号3号楼2单元501室", "lines": [{"sku": "HD-1", "quantity": 1}]}') AS ev4 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "ev1", "account": "other"}') AS again \gset
:plain
CREATE FUNCTION pg_temp.codes(id bigint) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(code, ',' ORDER BY code), '') FROM ordertrack.flags WHERE order_id = id AND resolved_at IS NULL
$$;
SELECT is((SELECT stage || ' ' || service_requirements::text || ' ' || phone_normalized || ' ' || region_code
		   FROM orders WHERE order_id = :ev1), 'received {weekend_delivery,fragile,customized} +8613812345678 110105',
	'the role''s clean order is taken: stage, service requirements, phone and region');
SELECT is(pg_temp.codes(:ev1), 'customer_history,customization,special_request', 'with its info flags');
SELECT is((SELECT stage || ' ' || pg_temp.codes(order_id) FROM orders WHERE order_id = :ev2), 'review phone_invalid',
	'an impossible phone holds an order in review');
SELECT is((SELECT stage || ' ' || pg_temp.codes(order_id) FROM orders WHERE order_id = :ev3),
	'review address_needs_unit,name_missing,quantity_unusual,sku_unknown',
	'the name, unit, SKU and quantity checks raise theirs');
SELECT is((SELECT stage || ' ' || pg_temp.codes(order_id) FROM orders WHERE order_id = :ev4),
	'review customer_history,duplicate_suspect', 'and the duplicate and history checks theirs');
SELECT matches((SELECT string_agg(detail, ' | ' ORDER BY code) FROM flags WHERE order_id = :ev4),
	'asked for a call.*ev1', 'whose details name the note and the earlier order');
SELECT is(:again::bigint, :ev1::bigint, 'sending an order again returns the existing one');
SELECT is((SELECT count(*)::int FROM events WHERE order_id IN (:ev1, :ev2, :ev3, :ev4) AND kind = 'order_received'), 4,
	'one order_received event per order');

-- A correction (rederived and checked again) and resolve_flag.
:as_evil
UPDATE ordertrack.orders SET phone = '139 0000 1111' WHERE order_id OPERATOR(pg_catalog.=) :ev2::bigint;
:plain
SELECT is((SELECT stage || ' ' || phone_normalized || ' ' || pg_temp.codes(order_id) FROM orders WHERE order_id = :ev2),
	'received +8613900001111 ', 'a corrected phone is normalised again and releases the order');
SELECT flag_id AS nameflag FROM flags WHERE order_id = :ev3 AND code = 'name_missing' \gset
SELECT array_agg(flag_id ORDER BY flag_id) AS otherflags FROM flags WHERE order_id = :ev3 AND severity = 'block' AND code <> 'name_missing' \gset
:as_evil
SELECT ordertrack.resolve_flag(:nameflag, 'called the customer') AS rf1 \gset
SELECT pg_catalog.string_agg(ordertrack.resolve_flag(f, 'checked')::text, ' ') AS rf2
  FROM pg_catalog.unnest(:'otherflags'::bigint[]) f \gset
:plain
SELECT is(:'rf1' || ' ' || :'rf2', 'review review received', 'resolve_flag keeps the order in review until the last blocking flag');
SELECT is((SELECT resolved_by || ': ' || resolution FROM flags WHERE flag_id = :nameflag), 'ot_evil: called the customer',
	'and records who resolved it and why');

-- Payment, carrier, confirmation, picking, packing, scans, feedback.
:as_evil
SELECT ordertrack.mark_paid(:ev1, '2026-11-26 10:00+00') AS paid, ordertrack.choose_carrier(:ev1) AS carrier \gset
SELECT ordertrack.confirm(:ev1) AS tn \gset
SELECT ordertrack.confirm(:ev1) AS tn2 \gset
SELECT ordertrack.record_pick(:ev1, 'HD-1', 2) AS pick1 \gset
SELECT ordertrack.report_shortage(:ev1, 'CUP-1', 0) AS shortage \gset
:plain
SELECT is(:'paid'::timestamptz, '2026-11-26 10:00+00'::timestamptz, 'mark_paid records the payment');
SELECT is(:'carrier'::text, 'ZTO', 'choose_carrier chooses the default carrier');
SELECT ok(tracking_no_valid(:'tn'), 'confirm issues a valid tracking number');
SELECT is(:'tn2'::text, :'tn', 'confirming again returns the same number');
SELECT is((SELECT stage || ' ' || carrier || ' ' || tracking_no FROM orders WHERE order_id = :ev1), 'review ZTO ' || :'tn',
	'the order is confirmed with its carrier and number, then held in review by the shortage');
SELECT is((SELECT string_agg(topic || '/' || kind, ' ' ORDER BY event_id) FROM events
		   WHERE order_id = :ev1 AND topic IN ('customer', 'warehouse', 'production', 'logistics')),
	'customer/order_paid warehouse/pick_requested production/production_requested logistics/waybill_requested',
	'payment and confirmation publish their events');
SELECT is((SELECT payload ->> 'customer_history' FROM events WHERE order_id = :ev1 AND kind = 'pick_requested'),
	'asked for a call before delivery', 'pick_requested carries the customer''s history');
SELECT is(round(:'pick1'::numeric, 2), 0.67, 'record_pick gives the share of the order picked');
SELECT is((SELECT code || ' ' || severity FROM flags WHERE flag_id = :shortage), 'stock_short block',
	'report_shortage raises stock_short');
SELECT is((SELECT string_agg(to_stage || ' by ' || actor || ' as ' || role, ', ' ORDER BY change_id) FROM stage_history WHERE order_id = :ev1),
	format('confirmed by %1$s as ot_evil, picking by %1$s as ot_evil, review by %1$s as ot_evil', session_user),
	'the moves are recorded as the session''s user and the role');

:as_evil
SELECT ordertrack.resolve_flag(:shortage, 'restocked') AS rf3 \gset
SELECT ordertrack.advance(:ev1, 'picking') AS st_picking \gset
SELECT ordertrack.record_pick(:ev1, 'CUP-1', 1) AS pick2 \gset
SELECT ordertrack.advance(:ev1, 'packed', 'boxed', 'dock-3') AS st_packed \gset
SELECT ordertrack.record_scan(:'tn', 'collected', '2026-11-26 10:00+08', '深圳南山营业部') AS sc1 \gset
SELECT ordertrack.record_scan(:'tn', 'collected', '2026-11-26 10:00+08', '深圳南山营业部') AS sc1b \gset
SELECT ordertrack.record_scan(:'tn', 'failed_attempt', '2026-11-27 11:00+08', '北京朝阳', '无人签收') AS sc2 \gset
SELECT ordertrack.record_scan(:'tn', 'delivered', '2026-11-28 10:00+08', '北京朝阳') AS sc3 \gset
SELECT ordertrack.add_feedback(:ev1, 2, 'the box was damaged') AS fb \gset
SELECT (pg_temp.error_of(pg_catalog.format('SELECT ordertrack.advance(%s, %L)', :ev2, 'delivered')))[1:2]::text AS refused \gset
SELECT (pg_temp.error_of('SELECT ordertrack.add_feedback(-1, 3)'))[1]::text AS unknown \gset
:plain
SELECT is(:'rf3' || ' ' || :'st_picking' || ' ' || :'pick2' || ' ' || :'st_packed',
	'confirmed picking 1 packed', 'the shortage resolved, the order is back in confirmed, picked again and packed');
SELECT is(:'sc1' || ' ' || :'sc1b' || ' ' || :'sc2' || ' ' || :'sc3', 'shipped shipped delivery_failed delivered',
	'record_scan moves the order by its scans, once each');
SELECT is((SELECT count(*)::int FROM scans WHERE order_id = :ev1), 3, 'and stores each scan once');
SELECT is(:'fb'::text, 'after_sales', 'a poor rating opens after_sales');
SELECT is((SELECT note FROM customer_notes WHERE account = 'acc-evil' AND kind = 'feedback'),
	format('order %s (ev1): 2/5: the box was damaged', :ev1),
	'feedback goes to the account''s notes');
SELECT is(:'refused'::text, format('{55000,"order %s cannot move from stage received to delivered"}', :ev2),
	'a move the graph does not allow is still refused');
SELECT is(:'unknown'::text, '42704', 'an unknown order is still unknown');

-- The outbox: subscribe, poll, ack.
:as_evil
SELECT ordertrack.subscribe('evil-c', '{warehouse,tracking}') AS sub \gset
CREATE TEMP TABLE evil_polled AS SELECT * FROM ordertrack.poll('evil-c');
:plain
SELECT max(event_id) AS ackid FROM events WHERE topic = 'warehouse' \gset
:as_evil
SELECT (pg_temp.error_of(pg_catalog.format('SELECT ordertrack.ack(%L, %s)', 'evil-c', :ackid)))[1] AS acked \gset
:plain
SELECT is((SELECT owner || ' ' || topics::text FROM consumers WHERE consumer = 'evil-c'), 'ot_evil {warehouse,tracking}',
	'subscribe creates the role''s consumer');
SELECT is((SELECT count(*)::int FROM evil_polled), 0, 'poll sees nothing not yet committed');
SELECT is(:'acked'::text, '22023', 'ack refuses an event that poll did not give');
SELECT is((SELECT acked_id FROM consumers WHERE consumer = 'evil-c'), 0::bigint, 'and the position stays');

-- The customer-service desk and the reports.
-- Every report's rows as text (parsed with the caller's search_path).
CREATE FUNCTION pg_temp.reports() RETURNS TABLE (v text, r text) LANGUAGE sql AS $$
	SELECT 'board' AS v, t::text AS r FROM ordertrack.board t UNION ALL
	SELECT 'open_flags', t::text FROM ordertrack.open_flags t UNION ALL
	SELECT 'funnel', t::text FROM ordertrack.funnel t UNION ALL
	SELECT 'sla_breaches', t::text FROM ordertrack.sla_breaches t UNION ALL
	SELECT 'stage_durations', t::text FROM ordertrack.stage_durations t UNION ALL
	SELECT 'carrier_scorecard', t::text FROM ordertrack.carrier_scorecard t UNION ALL
	SELECT 'merge_candidates', t::text FROM ordertrack.merge_candidates t;
$$;
:as_evil
CREATE TEMP TABLE evil_timeline AS SELECT * FROM ordertrack.timeline(:ev1);
CREATE TEMP TABLE evil_lookup AS SELECT * FROM ordertrack.lookup(:'tn', '5678');
CREATE TEMP TABLE evil_lookup_wrong AS SELECT * FROM ordertrack.lookup(:'tn', '0000');
CREATE TEMP TABLE evil_reports AS SELECT * FROM pg_temp.reports();
-- the same role without its schema (it reads personal data masked)
SET LOCAL search_path = ordertrack, public;
CREATE TEMP TABLE clean_timeline AS SELECT * FROM ordertrack.timeline(:ev1);
CREATE TEMP TABLE clean_reports AS SELECT * FROM pg_temp.reports();
:plain
SELECT set_eq('SELECT t::text FROM evil_timeline t', 'SELECT t::text FROM clean_timeline t',
	'timeline gives the role the same story as without its schema');
SELECT is(ARRAY[(SELECT count(*)::int FROM evil_timeline WHERE what = 'stage'),
				 (SELECT count(*)::int FROM evil_timeline WHERE what = 'carrier' AND detail = 'ZTO by rule 100')], ARRAY[10, 1],
	'with the carrier and every move');
SELECT is((SELECT stage || ' ' || carrier || ' ' || last_scan || ' ' || recipient FROM evil_lookup), 'after_sales ZTO delivered 张*',
	'lookup shows the parcel for the right digits');
SELECT is((SELECT count(*)::int FROM evil_lookup_wrong), 0, 'and nothing for wrong ones');
SELECT set_eq('SELECT v, r FROM evil_reports', 'SELECT v, r FROM clean_reports',
	'the reports show the role what they show without its schema');
SELECT ok((SELECT count(*) FROM evil_reports WHERE v = 'open_flags') > 0, 'and are not empty');

-- A superuser with the role's schema first: intake, moves, the settings
-- tables, deleting an order, sweep, carrier scores and pruning.
:as_owner_evil
SELECT ordertrack.submit_order('{"shop": "s1", "external_ref": "su1", "account": "acc-evil", "recipient": "王五",
	"phone": "13812345678", "address": "北京市朝阳区建国路88号3号楼2单元501室",
	"lines": [{"sku": "HD-1", "quantity": 2}]}') AS su1 \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT ordertrack.advance(:su1, 'cancelled', 'customer changed their mind') AS su_st \gset
INSERT INTO ordertrack.stage_transitions (from_stage, to_stage) VALUES ('cancelled', 'received');
UPDATE ordertrack.orders SET stage = 'received' WHERE order_id OPERATOR(pg_catalog.=) :su1::bigint;
UPDATE ordertrack.stage_transitions SET enabled = false
 WHERE from_stage OPERATOR(pg_catalog.=) 'cancelled' AND to_stage OPERATOR(pg_catalog.=) 'received';
SELECT ordertrack.issue_tracking_no() AS su_tn \gset
CREATE TEMP TABLE su_sweep AS SELECT * FROM ordertrack.sweep('2026-12-30 00:00+00');
SELECT ordertrack.refresh_carrier_scores() AS su_scores, ordertrack.prune_events('100 years') AS su_pruned \gset
DELETE FROM ordertrack.orders WHERE order_id OPERATOR(pg_catalog.=) :ev2::bigint;
:plain
SELECT is((SELECT string_agg(code, ',' ORDER BY code) FROM flags WHERE order_id = :su1),
	'customer_history,duplicate_suspect,payment_overdue', 'a superuser''s order is checked the same way, and swept');
SELECT is((SELECT string_agg(from_stage || '>' || to_stage, ' ' ORDER BY change_id) FROM stage_history WHERE order_id = :su1),
	'received>review review>cancelled cancelled>received',
	'held in review by intake, it moves by advance and by an UPDATE through a custom move');
SELECT is((SELECT origin || ' ' || enabled FROM stage_transitions WHERE from_stage = 'cancelled'), 'custom false',
	'the settings tables take the superuser''s changes');
SELECT ok(tracking_no_valid(:'su_tn'), 'issue_tracking_no issues a valid number');
SELECT is((SELECT count(*)::int FROM su_sweep), (SELECT count(*)::int FROM sweep('2026-12-30 00:00+00')),
	'sweep runs');
SELECT is(:su_pruned::int, 0, 'prune_events keeps what is recent');
SELECT is((SELECT count(*)::int FROM orders WHERE order_id = :ev2), 0, 'an order is deleted');

-- None of the role's objects ran, as the role, as the tables' owner, or as
-- the superuser.
SELECT is((SELECT array_agg(what || ' as ' || by_role ORDER BY what) FROM evil.calls), NULL,
	'nothing of the role''s schema ran');
SELECT is((SELECT count(*)::int FROM evil.calls), 0, 'evil.calls is empty');

SELECT * FROM finish();
ROLLBACK;
