-- pgTAP: intake's direct path only where it does what statements would.
-- Intake reads and writes orders, lines, flags, events and customer notes
-- without SQL statements when that is equivalent; a DBA's trigger
-- (statement-level with a transition table, or UPDATE OF a column), FORCE
-- ROW LEVEL SECURITY for the tables' owner, or a partitioned table in place
-- of one of them make intake use statements instead, so that the trigger
-- fires, the policy holds and the partitioned table takes the row (it used
-- to crash the server).
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(9);
\ir lib/error_of.sql

INSERT INTO products (sku, title) VALUES ('DP-1', 'hoodie');
-- An order whose address names no unit: intake holds it (a block flag,
-- flag_raised on alerts) and notes its remarks (an info flag).
CREATE FUNCTION pg_temp.new_order(ref text) RETURNS bigint LANGUAGE sql AS $$
	WITH o AS (INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks)
			   VALUES ('dp', ref, 'acc-' || ref, '张三', '13812345678', '北京市朝阳区建国路幸福小区', '周末配送')
			   RETURNING shop, order_id),
	l AS (INSERT INTO ordertrack.order_lines (shop, order_id, sku, quantity) SELECT shop, order_id, 'DP-1', 1 FROM o)
	SELECT order_id FROM o
$$;
CREATE TABLE public.dba_audit (what text, n int);

-- A DBA's statement trigger with a transition table on flags.
CREATE FUNCTION public.dba_audit_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.dba_audit SELECT 'flags', count(*) FROM new_flags;
	RETURN NULL;
END $$;
CREATE TRIGGER dba_audit_flags AFTER INSERT ON ordertrack.flags REFERENCING NEW TABLE AS new_flags
	FOR EACH STATEMENT EXECUTE FUNCTION public.dba_audit_flags();
SELECT pg_temp.new_order('DP-A') AS a \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT sum(n)::int FROM public.dba_audit WHERE what = 'flags'),
	(SELECT count(*)::int FROM flags WHERE order_id = :a),
	'a DBA''s statement trigger on flags, with a transition table, sees every flag intake raised');
DROP TRIGGER dba_audit_flags ON ordertrack.flags;

-- A DBA's UPDATE OF stage trigger on orders.
CREATE FUNCTION public.dba_audit_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.dba_audit VALUES ('stage ' || NEW.stage, 1);
	RETURN NULL;
END $$;
CREATE TRIGGER dba_audit_stage AFTER UPDATE OF stage ON ordertrack.orders
	FOR EACH ROW EXECUTE FUNCTION public.dba_audit_stage();
SELECT pg_temp.new_order('DP-B') AS b \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT stage FROM orders WHERE order_id = :b), 'review'::stage, 'intake holds the order');
SELECT is((SELECT count(*)::int FROM public.dba_audit WHERE what = 'stage review'), 1,
	'a DBA''s UPDATE OF stage trigger fires when intake moves the order to review');
DROP TRIGGER dba_audit_stage ON ordertrack.orders;

-- FORCE ROW LEVEL SECURITY binds the tables' owner (not a superuser here).
CREATE ROLE ot_dp_owner NOLOGIN;
GRANT USAGE ON SCHEMA ordertrack TO ot_dp_owner;
GRANT ALL ON ALL TABLES IN SCHEMA ordertrack TO ot_dp_owner;
GRANT ALL ON ALL SEQUENCES IN SCHEMA ordertrack TO ot_dp_owner;
GRANT EXECUTE ON FUNCTION next_event_id() TO ot_dp_owner;
ALTER TABLE orders OWNER TO ot_dp_owner;
ALTER TABLE events OWNER TO ot_dp_owner;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY dp_read ON events FOR SELECT USING (true);
CREATE POLICY dp_no_alerts ON events AS RESTRICTIVE FOR INSERT WITH CHECK (topic <> 'alerts');
SELECT pg_temp.new_order('DP-C') AS c \gset
SELECT is((pg_temp.error_of('SET CONSTRAINTS ALL IMMEDIATE'))[1:2],
	ARRAY['42501', 'new row violates row-level security policy "dp_no_alerts" for table "events"'],
	'with FORCE ROW LEVEL SECURITY, a policy refusing alerts refuses intake''s flag_raised, as it would a statement');
SET CONSTRAINTS ALL DEFERRED;
DELETE FROM orders WHERE order_id = :c;
DROP POLICY dp_no_alerts ON events;
CREATE POLICY dp_insert ON events FOR INSERT WITH CHECK (true);
SELECT pg_temp.new_order('DP-D') AS d \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :d AND kind IN ('order_received', 'flag_raised')), 2,
	'a policy that admits the rows lets intake write its events');
ALTER TABLE events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE events DISABLE ROW LEVEL SECURITY;
ALTER TABLE orders OWNER TO CURRENT_USER;
ALTER TABLE events OWNER TO CURRENT_USER;

-- A partitioned table in place of events.
ALTER TABLE events RENAME TO events_before;
CREATE TABLE ordertrack.events (LIKE ordertrack.events_before INCLUDING DEFAULTS) PARTITION BY LIST (topic);
CREATE TABLE ordertrack.events_intake PARTITION OF ordertrack.events FOR VALUES IN ('intake');
CREATE TABLE ordertrack.events_other PARTITION OF ordertrack.events DEFAULT;
SELECT pg_temp.new_order('DP-E') AS e \gset
SELECT is(pg_temp.error_of('SET CONSTRAINTS ALL IMMEDIATE'), NULL, 'intake works with a partitioned events table');
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*)::int FROM ordertrack.events_intake WHERE order_id = :e AND kind = 'order_received'), 1,
	'its order_received event is in the partition of topic intake');
SELECT is((SELECT count(*)::int FROM ordertrack.events_other WHERE order_id = :e AND kind = 'flag_raised'), 1,
	'its flag_raised event in the default partition');
SELECT is((SELECT stage FROM orders WHERE order_id = :e), 'review'::stage, 'and the order is held as before');

SELECT * FROM finish();
ROLLBACK;
