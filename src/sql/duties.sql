/*
 * duties.sql: who may do what.  PUBLIC gets nothing: not the schema, not
 * the settings tables, not the reports.  Six NOLOGIN group roles, one per
 * duty, carry every privilege; a DBA grants a duty to a login role
 * (GRANT ordertrack_erp TO erp_app).  Roles belong to the cluster: a second
 * database that installs ordertrack reuses them, and DROP EXTENSION leaves
 * them (with their privileges on the settings in pg_parameter_acl).
 *
 * The functions that move orders run as the tables' owner, so a duty needs
 * EXECUTE on them and nothing on the tables they write; what a duty reads
 * directly is granted here table by table (and column by column where an
 * order's personal data is not its business).
 */

DO $$
DECLARE
	duty text;
BEGIN
	FOREACH duty IN ARRAY ARRAY['ordertrack_erp', 'ordertrack_warehouse', 'ordertrack_logistics',
								'ordertrack_service', 'ordertrack_consumer', 'ordertrack_admin'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) duty) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', duty);
		END IF;
	END LOOP;
END
$$;
COMMENT ON ROLE ordertrack_erp IS
	'ordertrack duty: the ERP submits orders and lines, corrects recipients, phones and addresses, marks paid, confirms and cancels';
COMMENT ON ROLE ordertrack_warehouse IS
	'ordertrack duty: the warehouse and the workshop read lines and orders (without personal data), record picks and shortages and move orders';
COMMENT ON ROLE ordertrack_logistics IS
	'ordertrack duty: the carriers'' feeds record scans and read the carriers'' records';
COMMENT ON ROLE ordertrack_service IS
	'ordertrack duty: customer service reads the reports and timelines with personal data masked, resolves flags and records feedback';
COMMENT ON ROLE ordertrack_consumer IS
	'ordertrack duty: subscribes, polls and acknowledges its own consumers of the outbox';
COMMENT ON ROLE ordertrack_admin IS
	'ordertrack duty: every other duty, the settings tables and guarded settings, unmasked personal data, the sweep and pruning';

REVOKE ALL ON SCHEMA ordertrack FROM PUBLIC;
GRANT USAGE ON SCHEMA ordertrack TO ordertrack_erp, ordertrack_warehouse, ordertrack_logistics,
	ordertrack_service, ordertrack_consumer, ordertrack_admin;

-- The settings tables: every duty reads them (they hold no personal data),
-- the admin changes them.  The blacklist and customer notes hold personal
-- data: the admin's alone.
REVOKE ALL ON ordertrack.regions, ordertrack.remote_regions, ordertrack.address_unit_keywords,
	ordertrack.special_request_keywords, ordertrack.carriers, ordertrack.carrier_rules,
	ordertrack.carrier_promises, ordertrack.carrier_scores, ordertrack.stage_transitions,
	ordertrack.sweeps FROM PUBLIC;
GRANT SELECT ON ordertrack.regions, ordertrack.remote_regions, ordertrack.address_unit_keywords,
	ordertrack.special_request_keywords, ordertrack.products, ordertrack.flag_codes,
	ordertrack.stage_transitions, ordertrack.carriers, ordertrack.carrier_rules,
	ordertrack.carrier_promises, ordertrack.carrier_scores, ordertrack.sweeps
	TO ordertrack_erp, ordertrack_warehouse, ordertrack_logistics, ordertrack_service,
	ordertrack_consumer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ordertrack.regions, ordertrack.remote_regions,
	ordertrack.address_unit_keywords, ordertrack.special_request_keywords, ordertrack.products,
	ordertrack.flag_codes, ordertrack.stage_transitions, ordertrack.carriers,
	ordertrack.carrier_rules, ordertrack.carrier_promises, ordertrack.blacklist,
	ordertrack.customer_notes TO ordertrack_admin;
GRANT USAGE ON SEQUENCE ordertrack.blacklist_entry_id_seq, ordertrack.customer_notes_note_id_seq
	TO ordertrack_admin;

-- Everything ordertrack records, unmasked: the admin reads it all.
GRANT SELECT ON ordertrack.orders, ordertrack.order_lines, ordertrack.flags, ordertrack.stage_history,
	ordertrack.events, ordertrack.consumers, ordertrack.scans, ordertrack.carrier_shipments,
	ordertrack.carrier_scores, ordertrack.sweeps TO ordertrack_admin;

-- The ERP: orders and lines in (intake checks them at commit), its own
-- orders read back, corrections of what intake checks again.
GRANT SELECT, INSERT ON ordertrack.orders, ordertrack.order_lines TO ordertrack_erp;
GRANT UPDATE (recipient, phone, address, remarks) ON ordertrack.orders TO ordertrack_erp;
GRANT SELECT ON ordertrack.flags TO ordertrack_erp;
GRANT EXECUTE ON FUNCTION ordertrack.submit_order(jsonb), ordertrack.mark_paid(bigint, timestamptz),
	ordertrack.confirm(bigint), ordertrack.cancel(bigint, text) TO ordertrack_erp;

-- The warehouse and the workshop: lines, and orders without the
-- recipient, phone, address, remarks and account.
GRANT SELECT ON ordertrack.order_lines TO ordertrack_warehouse;
GRANT SELECT (shop, order_id, external_ref, service_requirements, urgent, cash_on_delivery, paid_at,
			  stage, tracking_no, carrier, created_at, province, city, district, region_code, remote,
			  skus, stage_entered_at, pick_progress, confirmed_at)
	ON ordertrack.orders TO ordertrack_warehouse, ordertrack_logistics;
GRANT EXECUTE ON FUNCTION ordertrack.record_pick(bigint, text, integer),
	ordertrack.report_shortage(bigint, text, integer),
	ordertrack.advance(bigint, ordertrack.stage, text, text) TO ordertrack_warehouse;

-- Logistics: scans, and the carriers' record.
GRANT SELECT ON ordertrack.scans, ordertrack.carrier_shipments TO ordertrack_logistics;
GRANT EXECUTE ON FUNCTION
	ordertrack.record_scan(ordertrack.tracking_no, text, timestamptz, text, text) TO ordertrack_logistics;

-- Customer service: the reports (which mask personal data for all but the
-- admin), timelines, flags, feedback, a customer's look-up.
GRANT SELECT ON ordertrack.sla_breaches, ordertrack.board, ordertrack.open_flags,
	ordertrack.carrier_scorecard, ordertrack.stage_durations, ordertrack.funnel,
	ordertrack.merge_candidates TO ordertrack_service, ordertrack_admin;
GRANT SELECT ON ordertrack.board, ordertrack.carrier_scorecard, ordertrack.stage_durations,
	ordertrack.funnel TO ordertrack_warehouse, ordertrack_logistics;
REVOKE ALL ON ordertrack.sla_breaches, ordertrack.board, ordertrack.open_flags,
	ordertrack.carrier_scorecard, ordertrack.stage_durations, ordertrack.funnel,
	ordertrack.merge_candidates FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ordertrack.timeline(bigint), ordertrack.lookup(ordertrack.tracking_no, text),
	ordertrack.resolve_flag(bigint, text), ordertrack.add_feedback(bigint, integer, text)
	TO ordertrack_service;

-- Consumers: their own (poll, ack and subscribe check the owner).
GRANT EXECUTE ON FUNCTION ordertrack.subscribe(text, text[]), ordertrack.poll(text, integer),
	ordertrack.ack(text, bigint) TO ordertrack_consumer;

-- The admin: every duty, the upkeep, the flags it raises by hand, and the
-- settings that guard intake.
GRANT ordertrack_erp, ordertrack_warehouse, ordertrack_logistics, ordertrack_service,
	ordertrack_consumer TO ordertrack_admin;
GRANT EXECUTE ON FUNCTION ordertrack.sweep(timestamptz), ordertrack.prune_events(interval),
	ordertrack.refresh_carrier_scores(timestamptz), ordertrack.raise_flag(text, bigint, text, text)
	TO ordertrack_admin;
GRANT SET ON PARAMETER ordertrack.duplicate_window, ordertrack.bulk_quantity,
	ordertrack.address_min_chars, ordertrack.clock_skew TO ordertrack_admin;

-- Per-shop access (shop_access.sql): the order tables' rows are the shops'
-- that the role sees.  The tables' owner (intake, the order functions)
-- passes; a role writes only rows of shops it sees.  While
-- ordertrack.shop_roles is empty, every row passes.  (pg_dump leaves an
-- extension's policies to CREATE EXTENSION, so they live here, always on.)
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'flags', 'events', 'stage_history', 'scans',
							 'carrier_shipments', 'carrier_scores'] LOOP
		EXECUTE pg_catalog.format('ALTER TABLE ordertrack.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format('CREATE POLICY shop_access ON ordertrack.%I USING (ordertrack.shop_visible(shop))'
								  ' WITH CHECK (ordertrack.shop_visible(shop))', t);
		EXECUTE pg_catalog.format('COMMENT ON POLICY shop_access ON ordertrack.%I IS %L', t,
								  'Rows of the shops the role sees (ordertrack.shop_roles; all while it is empty)');
	END LOOP;
END
$$;
GRANT SELECT, INSERT, DELETE ON ordertrack.shop_roles TO ordertrack_admin;
