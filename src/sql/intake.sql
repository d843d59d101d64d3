/*
 * intake.sql: the checks every new order gets in the transaction that
 * inserts it (customer, items, special requests, duplicates, history,
 * blacklist), their text pieces callable alone, and submit_order.  The
 * keywords and regions they use are in settings.sql; the flags they raise
 * in flags.sql.
 */

-- ---------------------------------------------------------------------------
-- Text checks, in C: the pieces that the intake triggers use, callable alone
-- ---------------------------------------------------------------------------

CREATE FUNCTION ordertrack.phone_kind(phone text) RETURNS text
	AS 'MODULE_PATHNAME', 'phone_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.phone_kind(text) IS
	'cn_mobile, cn_landline, international, invalid or empty: how a phone number reads after normalising (full-width digits, separators, +86/0086/86)';

CREATE FUNCTION ordertrack.normalize_phone(phone text) RETURNS text
	AS 'MODULE_PATHNAME', 'normalize_phone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.normalize_phone(text) IS
	'The phone number in E.164 form (+8613812345678, +861062345678;ext=12), or NULL when it is not a valid number';

CREATE FUNCTION ordertrack.significant_chars(t text) RETURNS integer
	AS 'MODULE_PATHNAME', 'significant_chars' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.significant_chars(text) IS
	'Number of letters, digits and ideographs in the text (not spaces, punctuation, symbols or emoji)';

CREATE FUNCTION ordertrack.address_needs_unit(address text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'address_needs_unit' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ordertrack.address_needs_unit(text) IS
	'True when the address names no building, unit or room: no enabled word of ordertrack.address_unit_keywords is found where its rule wants it (after_number 3栋, near_number 宿舍C305, separator 12-3-501, ...)';

CREATE FUNCTION ordertrack.special_requests(remarks text) RETURNS text[]
	AS 'MODULE_PATHNAME', 'special_requests' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION ordertrack.special_requests(text) IS
	'The service requirement tags that the remarks ask for (ordertrack.special_request_keywords; negated keywords do not count), in a fixed order; {none} when none (or NULL remarks)';

CREATE FUNCTION ordertrack.locate_region(address text,
	OUT province_code integer, OUT city_code integer, OUT district_code integer,
	OUT province text, OUT city text, OUT district text, OUT remote boolean)
	AS 'MODULE_PATHNAME', 'locate_region' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ordertrack.locate_region(text) IS
	'Province, city and district of an address (codes and names of ordertrack.regions, the mainland, Hong Kong, Macau and Taiwan; short and former names understood) and whether it is remote (the district''s row of remote_regions, else the city''s, else the province''s); NULLs where not recognised or not certain';


-- ---------------------------------------------------------------------------
-- Intake: the checks run in the inserting transaction
-- ---------------------------------------------------------------------------

CREATE FUNCTION ordertrack.order_intake_prepare() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_intake_prepare' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_intake_prepare() IS
	'Trigger BEFORE INSERT on orders: normalised phone and region; a new order starts in stage received';
CREATE FUNCTION ordertrack.order_intake_check() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_intake_check' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_intake_check() IS
	'Deferred trigger AFTER INSERT on orders: customer, items, special requests, duplicates, history and blacklist checks; flags, stage and the order_received event';

CREATE TRIGGER order_intake_prepare BEFORE INSERT ON ordertrack.orders
	FOR EACH ROW EXECUTE FUNCTION ordertrack.order_intake_prepare();

-- The normalised phone and the region follow a corrected phone or address,
-- and an order that intake has checked, not yet confirmed, is checked again
-- on its corrected recipient, phone or address.  AFTER with a WHEN, not
-- BEFORE: a BEFORE UPDATE row trigger would make every UPDATE of orders
-- lock its row first.
CREATE FUNCTION ordertrack.order_intake_rederive() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_intake_rederive' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_intake_rederive() IS
	'Trigger AFTER UPDATE on orders, when the recipient, the phone or the address changed: recomputes phone_normalized, province, city, district, region_code and remote, and checks a checked order in received or review again on those fields';
CREATE TRIGGER order_intake_rederive AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.recipient IS DISTINCT FROM NEW.recipient OR OLD.phone IS DISTINCT FROM NEW.phone
					   OR OLD.address IS DISTINCT FROM NEW.address)
	EXECUTE FUNCTION ordertrack.order_intake_rederive();
COMMENT ON TRIGGER order_intake_rederive ON ordertrack.orders IS
	'A corrected phone or address brings a new normalised phone and region; a corrected recipient, phone or address of a checked order is checked again';
CREATE CONSTRAINT TRIGGER order_intake_check AFTER INSERT ON ordertrack.orders
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION ordertrack.order_intake_check();
COMMENT ON TRIGGER order_intake_prepare ON ordertrack.orders IS 'Normalised phone and region of a new order';
COMMENT ON TRIGGER order_intake_check ON ordertrack.orders IS 'The intake checks of a new order, at commit';

CREATE FUNCTION ordertrack.submit_order("order" jsonb) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r ordertrack.orders;
	id bigint;
	unknown text;
BEGIN
	-- what an ERP may set; the rest is intake's and confirm()'s (a key left
	-- out of the insert would be dropped without a word)
	IF jsonb_typeof("order") IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'an order is a JSON object, not %', coalesce(jsonb_typeof("order"), 'NULL')
			USING ERRCODE = '22023';
	END IF;
	SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys("order") k
	 WHERE k <> ALL (ARRAY['shop', 'external_ref', 'account', 'recipient', 'phone', 'address', 'remarks',
						   'urgent', 'cash_on_delivery', 'paid_at', 'created_at', 'lines']);
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'submit_order does not take %', unknown USING ERRCODE = '22023',
			HINT = 'An order takes shop, external_ref, account, recipient, phone, address, remarks, urgent, '
				   'cash_on_delivery, paid_at, created_at and lines; intake and confirm() set the rest.';
	END IF;
	IF "order" ? 'lines' AND jsonb_typeof("order" -> 'lines') <> 'array' THEN
		RAISE EXCEPTION 'an order''s "lines" is an array of objects' USING ERRCODE = '22023';
	END IF;
	SELECT string_agg(DISTINCT k, ', ' ORDER BY k) INTO unknown
	  FROM jsonb_array_elements("order" -> 'lines') l,
		   LATERAL jsonb_object_keys(CASE jsonb_typeof(l) WHEN 'object' THEN l ELSE '{"(not an object)": 0}' END) k
	 WHERE k <> ALL (ARRAY['sku', 'title', 'spec', 'colour', 'quantity', 'customization']);
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'submit_order does not take % in a line', unknown USING ERRCODE = '22023',
			HINT = 'A line takes sku, title, spec, colour, quantity and customization.';
	END IF;
	r := jsonb_populate_record(NULL::ordertrack.orders, "order");
	-- each statement names the shop: on Citus, one shard's rows
	INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks,
								   urgent, cash_on_delivery, paid_at, created_at)
	VALUES (r.shop, r.external_ref, r.account, r.recipient, r.phone, r.address, r.remarks,
			coalesce(r.urgent, false), coalesce(r.cash_on_delivery, false), r.paid_at, coalesce(r.created_at, now()))
	ON CONFLICT (shop, external_ref) DO NOTHING
	RETURNING order_id INTO id;
	IF id IS NULL THEN
		-- sent before: the order as it was first taken
		SELECT x.order_id INTO id FROM ordertrack.orders x WHERE x.shop = r.shop AND x.external_ref = r.external_ref;
		RETURN id;
	END IF;
	INSERT INTO ordertrack.order_lines (shop, order_id, sku, title, spec, colour, quantity, customization)
	SELECT r.shop, id, x.sku, x.title, x.spec, x.colour, x.quantity, x.customization
	  FROM jsonb_populate_recordset(NULL::ordertrack.order_lines, "order" -> 'lines') x;
	RETURN id;
END
$$;
COMMENT ON FUNCTION ordertrack.submit_order(jsonb) IS
	'Takes a whole order as JSON (the orders columns an ERP sets, plus "lines": an array of objects keyed by the order_lines columns an ERP sets; any other key is refused) and returns its order_id; sending the same (shop, external_ref) again returns the existing order. Runs with the caller''s rights: it needs INSERT and SELECT on orders and INSERT on order_lines (the ordertrack_erp duty)';
