/*
 * flags.sql: what a person should look at.  The flag codes and their
 * severity (a settings table: shipped rows plus the shop's own, see
 * settings.sql), the flags raised on orders, and the functions that raise
 * and resolve them.
 */

CREATE TABLE ordertrack.flag_codes (
	code text PRIMARY KEY,
	severity text NOT NULL CHECK (severity IN ('block', 'warn', 'info')),
	description text NOT NULL,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'))
);
COMMENT ON TABLE ordertrack.flag_codes IS 'What each flag code means and how severe it is: block holds the order in review until a person resolves it';
COMMENT ON COLUMN ordertrack.flag_codes.code IS 'Flag code, e.g. address_needs_unit';
COMMENT ON COLUMN ordertrack.flag_codes.severity IS 'block, warn or info';
COMMENT ON COLUMN ordertrack.flag_codes.description IS 'What raised it and what a person should do';
COMMENT ON COLUMN ordertrack.flag_codes.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
INSERT INTO ordertrack.flag_codes (code, severity, description, origin)
SELECT c, s, d, 'shipped' FROM (VALUES
	('name_missing', 'block', 'The recipient is empty, blank or punctuation only: ask the customer for a name'),
	('phone_invalid', 'block', 'The phone number is missing or is not a number that can be called'),
	('address_incomplete', 'block', 'The address is empty or too short to deliver to'),
	('address_needs_unit', 'block', 'The address names no building, unit, room or house number: confirm it before shipping'),
	('sku_unknown', 'block', 'A line''s SKU is not in the catalogue, or not active'),
	('sku_mismatch', 'block', 'A line''s title, spec or colour differs from the catalogue'),
	('duplicate_suspect', 'block', 'The same account ordered the same SKU shortly before: ask whether both are wanted'),
	('blacklisted', 'block', 'The account, phone or address is on the blacklist'),
	('stock_short', 'block', 'The shelf lacks stock the system showed'),
	('region_unknown', 'warn', 'No province was recognised in the address'),
	('quantity_unusual', 'warn', 'A line''s quantity is above ordertrack.bulk_quantity'),
	('payment_overdue', 'warn', 'Unpaid for longer than ordertrack.payment_timeout'),
	('pick_behind_schedule', 'warn', 'Picking is behind the pace its deadline needs'),
	('pick_overdue', 'warn', 'Picking missed its deadline'),
	('transit_stalled', 'warn', 'The parcel has not moved for ordertrack.transit_stall'),
	('delivery_failed', 'warn', 'A delivery attempt failed'),
	('carrier_exception', 'warn', 'The carrier reported an exception for the parcel: see the scan''s detail'),
	('parcel_lost', 'warn', 'The carrier reported the parcel lost'),
	('special_request', 'info', 'The remarks ask for something: see the order''s service requirements'),
	('customer_history', 'info', 'The customer''s earlier feedback or preferences'),
	('customization', 'info', 'A line is made to order: the text travels exactly as entered')
) AS v(c, s, d);

-- A flag's code is checked by intake when it raises the flag, and flag codes
-- are never removed or renamed: a foreign key from every flag to one of a
-- handful of rows made every intake lock that row, which concurrent intakes
-- then share through multixacts.  Otherwise flag_codes is a settings table:
-- a changed shipped row becomes custom, an inserted row takes the place of
-- the shipped row with its code (as a restore does), and pg_dump keeps the
-- custom rows.  flag_codes_guard fires before settings_row_guard.
CREATE FUNCTION ordertrack.flag_codes_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flag_codes_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.flag_codes_guard() IS
	'Trigger on flag_codes: codes are added, and their severity and description changed, but never removed or renamed; a shipped row gives way only to a custom row of its code';
CREATE TRIGGER flag_codes_guard BEFORE UPDATE OR DELETE ON ordertrack.flag_codes
	FOR EACH ROW EXECUTE FUNCTION ordertrack.flag_codes_guard();
CREATE TRIGGER flag_codes_no_truncate BEFORE TRUNCATE ON ordertrack.flag_codes
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.flag_codes_guard();
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.flag_codes
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.flag_codes', 'code');
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.flag_codes
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
COMMENT ON TRIGGER catalogue_changed ON ordertrack.flag_codes IS 'Every session drops its cached flag codes when a change commits';
COMMENT ON TRIGGER flag_codes_guard ON ordertrack.flag_codes IS 'Flag codes are never deleted or renamed';
COMMENT ON TRIGGER flag_codes_no_truncate ON ordertrack.flag_codes IS 'Flag codes are never truncated';
COMMENT ON TRIGGER settings_row_guard ON ordertrack.flag_codes IS
	'An added or changed flag code is custom; an inserted row replaces the shipped row with its code';

SELECT pg_catalog.pg_extension_config_dump('ordertrack.flag_codes', 'WHERE origin = ''custom''');

-- Flags are found by order (the key leads with it) and, for
-- resolve_flag(flag_id), by id alone.  They belong to their order without
-- a foreign key (see order_deleted in orders.sql): only intake and the
-- order functions write flags, for an order they have just read, and a key
-- check per flag cost intake a statement each.
CREATE TABLE ordertrack.flags (
	shop text NOT NULL,
	flag_id bigint GENERATED BY DEFAULT AS IDENTITY,
	order_id bigint NOT NULL,
	code text NOT NULL,
	severity text NOT NULL CHECK (severity IN ('block', 'warn', 'info')),
	detail text,
	raised_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	resolved_at timestamptz,
	resolved_by text,
	resolution text,
	PRIMARY KEY (shop, order_id, flag_id)
);
CREATE INDEX flags_flag_id ON ordertrack.flags (flag_id);
COMMENT ON TABLE ordertrack.flags IS 'What a person should look at; an open block flag holds its order in review';
COMMENT ON COLUMN ordertrack.flags.shop IS 'The order''s shop';
COMMENT ON COLUMN ordertrack.flags.flag_id IS 'Id of the flag, unique across shops';
COMMENT ON COLUMN ordertrack.flags.order_id IS 'The order';
COMMENT ON COLUMN ordertrack.flags.code IS 'What was found (ordertrack.flag_codes)';
COMMENT ON COLUMN ordertrack.flags.severity IS 'block, warn or info';
COMMENT ON COLUMN ordertrack.flags.detail IS 'The specifics, e.g. "title: hoodie (catalogue) vs sweater (order)"';
COMMENT ON COLUMN ordertrack.flags.raised_at IS 'When it was raised';
COMMENT ON COLUMN ordertrack.flags.resolved_at IS 'When a person resolved it';
COMMENT ON COLUMN ordertrack.flags.resolved_by IS 'Who resolved it';
COMMENT ON COLUMN ordertrack.flags.resolution IS 'The note they left';

SELECT pg_catalog.pg_extension_config_dump('ordertrack.flags', '');
COMMENT ON SEQUENCE ordertrack.flags_flag_id_seq IS 'Source of flag_id';
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('ordertrack.flags', 'flag_id')::regclass, '');

-- Raises a flag on an order and publishes flag_raised (to alerts when its
-- severity reaches ordertrack.alert_severity, as intake does).
CREATE FUNCTION ordertrack.raise_flag(shop text, order_id bigint, code text, detail text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sev text;
	id bigint;
	threshold text;
BEGIN
	SELECT c.severity INTO sev FROM ordertrack.flag_codes c WHERE c.code = raise_flag.code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'flag code "%" is missing from ordertrack.flag_codes', code USING ERRCODE = '42704';
	END IF;
	INSERT INTO ordertrack.flags AS f (shop, order_id, code, severity, detail)
	VALUES (raise_flag.shop, raise_flag.order_id, raise_flag.code, sev, raise_flag.detail)
	RETURNING f.flag_id INTO id;
	threshold := coalesce(nullif(current_setting('ordertrack.alert_severity', true), ''), 'warn');
	IF sev = 'block' OR threshold = 'info' OR (sev = 'warn' AND threshold = 'warn') THEN
		PERFORM ordertrack.publish(shop, order_id, 'alerts', 'flag_raised',
			jsonb_build_object('flag_id', id, 'code', code, 'severity', sev, 'detail', detail));
	END IF;
	RETURN id;
END
$$;
COMMENT ON FUNCTION ordertrack.raise_flag(text, bigint, text, text) IS
	'Used by the order functions: raises a flag on an order, publishes flag_raised to alerts when its severity reaches ordertrack.alert_severity, and returns its id';
REVOKE ALL ON FUNCTION ordertrack.raise_flag(text, bigint, text, text) FROM PUBLIC;

CREATE FUNCTION ordertrack.resolve_flag(flag_id bigint, note text) RETURNS ordertrack.stage
	AS 'MODULE_PATHNAME', 'resolve_flag' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ordertrack.resolve_flag(bigint, text) IS
	'A person resolves a flag with a note; when no blocking flag of an order in review is left open, the order returns to received, or to confirmed if confirm() had confirmed it. Returns the order''s stage';
REVOKE ALL ON FUNCTION ordertrack.resolve_flag(bigint, text) FROM PUBLIC;
