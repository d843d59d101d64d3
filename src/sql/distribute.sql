/*
 * distribute.sql: ordertrack on a Citus cluster, distributed by shop.
 *
 * ordertrack.distribute(), run on the coordinator once Citus and its
 * workers are set up, distributes every table that holds orders or their
 * children by shop, colocated with orders, so that an order's checks,
 * moves and events stay on the node that holds its shop; makes the
 * catalogue and the settings tables reference tables (a copy on every
 * node, changed on all of them in one transaction); and gives every
 * worker the group's tracking-number key with an issuer of its own (its
 * Citus group id) and a range of row ids of its own.  Run it again after
 * adding a node: what is done already is left alone, and the new node gets
 * the key and its range.  Event ids take each node's group id without it
 * (ordertrack.node_id, shop_group.c).
 *
 * PL/pgSQL plans a statement when it first runs it, so what these
 * functions ask of Citus is looked up only when they run, after the check
 * that Citus is there: the extension installs and works without Citus.
 */

-- The tables, by how they are spread.
CREATE FUNCTION ordertrack.distribution_plan(OUT table_name text, OUT kind text)
	RETURNS SETOF record
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t, 'per shop' FROM unnest(ARRAY['orders', 'order_lines', 'flags', 'events', 'stage_history', 'scans',
											'carrier_shipments', 'carrier_scores', 'customer_notes', 'blacklist']) t
	UNION ALL
	SELECT t, 'reference' FROM unnest(ARRAY['products', 'flag_codes', 'regions', 'remote_regions',
											 'address_unit_keywords', 'special_request_keywords', 'stage_transitions',
											 'carriers', 'carrier_rules', 'carrier_promises', 'shop_roles']) t
$$;
COMMENT ON FUNCTION ordertrack.distribution_plan() IS
	'How distribute() spreads the tables on Citus: per shop (distributed by shop, colocated with orders) or reference (a copy on every node); the other tables stay on the coordinator';
REVOKE ALL ON FUNCTION ordertrack.distribution_plan() FROM PUBLIC;

-- On a worker: takes the group's tracking-number key, issuing as this
-- node's Citus group id (before the node issues any number; a node that has
-- issued with another key or issuer is refused by tracking_secret_guard),
-- and draws the ids of the rows it writes from group id * 2^48 on, as
-- Citus numbers sequences on workers, so that no two nodes give one id.
CREATE FUNCTION ordertrack.join_node(secret bytea) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	here integer;
	mine record;
	seq regclass;
	done text;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
		RAISE EXCEPTION 'this database is not a node of a Citus cluster' USING ERRCODE = '55000';
	END IF;
	EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO here;
	IF here >= 1024 THEN
		RAISE EXCEPTION 'this node''s Citus group id % is beyond the 1024 issuers of tracking numbers', here
			USING ERRCODE = '54000', HINT = 'Give the node an issuer below 1024 by hand: see the README, several databases issuing.';
	END IF;
	SELECT t.secret, t.issuer INTO mine FROM ordertrack.tracking_secret t;
	IF mine.secret = join_node.secret AND mine.issuer = here THEN
		done := format('issuer %s, key kept', here);
	ELSE
		INSERT INTO ordertrack.tracking_secret (secret, issuer) VALUES (join_node.secret, here);
		done := format('issuer %s, key taken', here);
	END IF;
	IF here > 0 THEN
		FOR seq IN SELECT pg_get_serial_sequence(format('ordertrack.%I', p.table_name), a.attname)::regclass
					 FROM ordertrack.distribution_plan() p
					 JOIN pg_attribute a ON a.attrelid = format('ordertrack.%I', p.table_name)::regclass
					WHERE p.kind = 'per shop' AND a.attidentity <> '' LOOP
			IF coalesce((SELECT s.last_value FROM pg_sequences s
						  WHERE format('%I.%I', s.schemaname, s.sequencename)::regclass = seq), 0) < (here::bigint << 48) THEN
				PERFORM setval(seq, (here::bigint << 48) + 1, false);
			END IF;
		END LOOP;
	END IF;
	RETURN done;
END
$$;
COMMENT ON FUNCTION ordertrack.join_node(bytea) IS
	'Used by distribute() on each Citus worker: takes the group''s tracking-number key, issues as the node''s group id, and draws row ids from group id * 2^48 (55000 off Citus, 54000 beyond 1024 groups; refused once the node has issued with another key or issuer)';
REVOKE ALL ON FUNCTION ordertrack.join_node(bytea) FROM PUBLIC;

CREATE FUNCTION ordertrack.distribute() RETURNS TABLE (object text, done text)
	LANGUAGE plpgsql
	-- an empty path: Citus copies the tables' triggers and indexes to the
	-- workers as their definitions print here, with every name qualified
	SET search_path = pg_catalog, pg_temp
	-- (and Citus's notices on each table copied are left out)
	SET client_min_messages = warning
AS $$
DECLARE
	p record;
	r record;
	key bytea;
	coordinator boolean;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'Citus is not installed in this database' USING ERRCODE = '55000',
			HINT = 'Preload citus before ordertrack (shared_preload_libraries = ''citus,ordertrack''), CREATE EXTENSION citus, add the workers, then distribute().';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
	IF NOT coordinator THEN
		RAISE EXCEPTION 'distribute() runs on the coordinator' USING ERRCODE = '55000',
			HINT = 'On a single node, SELECT citus_set_coordinator_host(...) first.';
	END IF;
	-- the tables have triggers, which Citus copies to every shard
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);

	FOR p IN SELECT * FROM ordertrack.distribution_plan() LOOP
		IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = format('ordertrack.%I', p.table_name)::regclass) THEN
			CONTINUE;
		END IF;
		IF p.kind = 'per shop' THEN
			PERFORM create_distributed_table(format('ordertrack.%I', p.table_name), 'shop',
				colocate_with => CASE p.table_name WHEN 'orders' THEN 'default' ELSE 'ordertrack.orders' END);
			object := p.table_name; done := 'distributed by shop'; RETURN NEXT;
		ELSE
			-- the rows are copied as they are: shipped rows stay shipped
			EXECUTE format('ALTER TABLE ordertrack.%I DISABLE TRIGGER USER', p.table_name);
			PERFORM create_reference_table(format('ordertrack.%I', p.table_name));
			EXECUTE format('ALTER TABLE ordertrack.%I ENABLE TRIGGER USER', p.table_name);
			object := p.table_name; done := 'reference table'; RETURN NEXT;
		END IF;
	END LOOP;

	-- an event is numbered and stamped by the node that stores it (outbox_nodes.sql)
	IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'ordertrack.events'::regclass AND tgname = 'events_stamp') THEN
		CREATE TRIGGER events_stamp BEFORE INSERT ON ordertrack.events
			FOR EACH ROW EXECUTE FUNCTION ordertrack.event_stamp();
		object := 'events'; done := 'numbered by the node that stores them'; RETURN NEXT;
	END IF;

	-- every worker issues tracking numbers with this key, as its group id,
	-- and draws row ids from a range of its own
	SELECT t.secret INTO key FROM ordertrack.tracking_secret t;
	FOR r IN EXECUTE format('SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers(%L)',
							format('SELECT ordertrack.join_node(%L::bytea)', key)) LOOP
		IF NOT r.success THEN
			RAISE EXCEPTION 'node %:% could not take the tracking-number key: %', r.nodename, r.nodeport, r.result
				USING ERRCODE = '55000',
				HINT = 'A node that has issued tracking numbers with a key of its own cannot join; install ordertrack afresh there.';
		END IF;
		object := format('node %s:%s', r.nodename, r.nodeport); done := r.result; RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION ordertrack.distribute() IS
	'On a Citus coordinator: distributes the per-shop tables by shop, colocated with orders, makes the catalogue and settings tables reference tables, and gives every worker the tracking-number key with its group id as issuer and a range of row ids; run again after adding a node (55000 without Citus or off the coordinator)';
REVOKE ALL ON FUNCTION ordertrack.distribute() FROM PUBLIC;
