-- ordertrack 0.2 -> 0.3: intake reads and writes without SQL statements
-- (C only, nothing here), keeps the catalogue, the flag codes and the
-- blacklist in per-session caches dropped by every committed change, keeps
-- each order's SKUs on it, and its flags lose their foreign keys and get a
-- key that serves look-ups by order and by flag id.
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.3'" to load this file. \quit

-- Every session drops its cached copy of these tables when a change commits.
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.products
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.flag_codes
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.blacklist
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();

-- A flag's code is checked by intake when it raises the flag, and flag codes
-- are never removed or renamed: a foreign key from every flag to one of a
-- handful of rows made every intake lock that row, which concurrent intakes
-- then share through multixacts.
ALTER TABLE ordertrack.flags DROP CONSTRAINT flags_code_fkey;

CREATE FUNCTION ordertrack.flag_codes_guard() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF NEW.code = OLD.code THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'flag codes are not removed or renamed'
		USING ERRCODE = 'object_in_use',
			  DETAIL = 'Flags keep their code for as long as they are kept.',
			  HINT = 'Change the code''s severity or description instead.';
END
$$;
COMMENT ON FUNCTION ordertrack.flag_codes_guard() IS
	'Trigger on flag_codes: codes are added, and their severity and description changed, but never removed or renamed';
CREATE TRIGGER flag_codes_guard BEFORE UPDATE OR DELETE ON ordertrack.flag_codes
	FOR EACH ROW EXECUTE FUNCTION ordertrack.flag_codes_guard();
CREATE TRIGGER flag_codes_no_truncate BEFORE TRUNCATE ON ordertrack.flag_codes
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.flag_codes_guard();

-- Flags belong to their order as before, but without a foreign key: only
-- intake and resolve_flag write flags, for an order they have just read, and
-- a key check per flag cost intake a statement each.  Deleting orders
-- deletes their flags, as ON DELETE CASCADE did, and truncating orders
-- truncates flags.
ALTER TABLE ordertrack.flags DROP CONSTRAINT flags_shop_order_id_fkey;

CREATE FUNCTION ordertrack.order_deleted() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		TRUNCATE ordertrack.flags;
	ELSE
		DELETE FROM ordertrack.flags f USING gone g WHERE f.shop = g.shop AND f.order_id = g.order_id;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ordertrack.order_deleted() IS
	'Trigger AFTER DELETE or TRUNCATE on orders: deletes the flags of the deleted orders, or all flags';
REVOKE ALL ON FUNCTION ordertrack.order_deleted() FROM PUBLIC;
CREATE TRIGGER order_deleted AFTER DELETE ON ordertrack.orders
	REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.order_deleted();
CREATE TRIGGER order_truncated AFTER TRUNCATE ON ordertrack.orders
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.order_deleted();

-- The outbox is read by position (event_id).  One index fewer to maintain
-- per event.
DROP INDEX ordertrack.events_order;

-- The SKUs of an order, kept on it by intake: the duplicate check of a later
-- order of the account reads them from the order's row instead of its lines.
ALTER TABLE ordertrack.orders ADD COLUMN skus text[];
COMMENT ON COLUMN ordertrack.orders.skus IS
	'The distinct SKUs of the order''s lines when intake checked it (for the duplicate check); NULL on rows that arrived checked without it';

-- A remarks keyword that the remarks negate (不要礼品包装, no gift wrap) asks for nothing.
COMMENT ON TABLE ordertrack.special_request_keywords IS
	'Remarks that contain an enabled keyword get its service requirement tag, unless a negation (不要, 无需, 勿, no, don''t ...) comes shortly before it in its clause; matched ignoring case and full width, English words as whole words';
COMMENT ON FUNCTION ordertrack.special_requests(text) IS
	'The service requirement tags that the remarks ask for (ordertrack.special_request_keywords; negated keywords do not count), in a fixed order; {none} when none (or NULL remarks)';

-- Flags are found by order (the key now leads with it) and, for
-- resolve_flag(flag_id), by id alone: the old key (shop, flag_id) could not
-- serve a look-up by flag_id without its shop.
ALTER TABLE ordertrack.flags DROP CONSTRAINT flags_pkey;
DROP INDEX ordertrack.flags_order;
ALTER TABLE ordertrack.flags ADD PRIMARY KEY (shop, order_id, flag_id);
CREATE INDEX flags_flag_id ON ordertrack.flags (flag_id);

COMMENT ON TRIGGER catalogue_changed ON ordertrack.products IS 'Every session drops its cached catalogue when a change commits';
COMMENT ON TRIGGER catalogue_changed ON ordertrack.flag_codes IS 'Every session drops its cached flag codes when a change commits';
COMMENT ON TRIGGER catalogue_changed ON ordertrack.blacklist IS 'Every session drops its cached blacklist when a change commits';
COMMENT ON TRIGGER flag_codes_guard ON ordertrack.flag_codes IS 'Flag codes are never deleted or renamed';
COMMENT ON TRIGGER flag_codes_no_truncate ON ordertrack.flag_codes IS 'Flag codes are never truncated';
COMMENT ON TRIGGER order_deleted ON ordertrack.orders IS 'Deleting orders deletes their flags';
COMMENT ON TRIGGER order_truncated ON ordertrack.orders IS 'Truncating orders truncates the flags';
COMMENT ON TRIGGER order_intake_prepare ON ordertrack.orders IS 'Normalised phone and region of a new order';
COMMENT ON TRIGGER order_intake_check ON ordertrack.orders IS 'The intake checks of a new order, at commit';
