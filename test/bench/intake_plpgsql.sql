-- test/bench/intake_plpgsql.sql: the intake rules as PL/pgSQL triggers, the
-- way a DBA would write them without ordertrack, for test/bench/intake.sh to
-- compare against.  Schema plpgsql gets tables identical to ordertrack's
-- orders, order_lines, flags and events; the reference data (catalogue,
-- regions, keywords, flag codes, notes, blacklist) is read from ordertrack's
-- tables.  The rules are the same: phone normalised and checked, region
-- recognised province -> city -> district, name and address checks, unit
-- keywords, SKU known/active/matching, product attributes, quantity,
-- customisation, special request keywords, duplicates within the window
-- (with the same per-account lock), history, blacklist, one flag and one
-- flag_raised event per finding, the verdict and the order_received event.
CREATE SCHEMA plpgsql;
CREATE TABLE plpgsql.orders (LIKE ordertrack.orders INCLUDING ALL);
CREATE TABLE plpgsql.order_lines (LIKE ordertrack.order_lines INCLUDING ALL,
	FOREIGN KEY (shop, order_id) REFERENCES plpgsql.orders (shop, order_id) ON DELETE CASCADE);
CREATE TABLE plpgsql.flags (LIKE ordertrack.flags INCLUDING ALL);
CREATE TABLE plpgsql.events (LIKE ordertrack.events INCLUDING ALL);
-- the same history as schema plain (loaded before the triggers exist)
INSERT INTO plpgsql.orders OVERRIDING SYSTEM VALUE SELECT * FROM plain.orders;
INSERT INTO plpgsql.order_lines SELECT * FROM plain.order_lines;
SELECT setval(pg_get_serial_sequence('plpgsql.orders', 'order_id'), (SELECT max(order_id) FROM plpgsql.orders));
SELECT setval(pg_get_serial_sequence('plpgsql.order_lines', 'line_id'), (SELECT max(line_id) FROM plpgsql.order_lines));

CREATE FUNCTION plpgsql.prepare() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	digits text;
	addr text := coalesce(NEW.address, '');
	p record;
	c record;
	d record;
BEGIN
	IF NEW.intake_checked_at IS NOT NULL THEN
		RETURN NEW;
	END IF;
	digits := regexp_replace(translate(coalesce(NEW.phone, ''), '０１２３４５６７８９', '0123456789'), '[\s\-()]', '', 'g');
	digits := regexp_replace(digits, '^(\+86|0086|86)(?=1[3-9]\d{9}$)', '');
	IF digits ~ '^1[3-9]\d{9}$' THEN
		NEW.phone_normalized := '+86' || digits;
	ELSIF digits ~ '^0[1-9]\d{1,2}\d{7,8}$' THEN
		NEW.phone_normalized := '+86' || substr(digits, 2);
	ELSIF digits ~ '^\+[1-9]\d{7,14}$' THEN
		NEW.phone_normalized := digits;
	END IF;
	SELECT code, name INTO p FROM ordertrack.regions
	 WHERE level = 1 AND (strpos(addr, name) > 0 OR EXISTS (SELECT 1 FROM unnest(short_names) s WHERE strpos(addr, s) > 0))
	 ORDER BY length(name) DESC LIMIT 1;
	IF FOUND THEN
		NEW.province := p.name;
		NEW.region_code := p.code;
		NEW.remote := EXISTS (SELECT 1 FROM ordertrack.remote_regions WHERE region_code = p.code AND remote);
		SELECT code, name INTO c FROM ordertrack.regions
		 WHERE level = 2 AND parent_code = p.code AND NOT placeholder
		   AND (strpos(addr, name) > 0 OR EXISTS (SELECT 1 FROM unnest(short_names) s WHERE strpos(addr, s) > 0))
		 ORDER BY length(name) DESC LIMIT 1;
		IF FOUND THEN
			NEW.city := c.name;
			NEW.region_code := c.code;
		END IF;
		SELECT code, name INTO d FROM ordertrack.regions
		 WHERE level = 3 AND parent_code IN (SELECT r.code FROM ordertrack.regions r WHERE r.parent_code = p.code)
		   AND (c.code IS NULL OR parent_code = c.code)
		   AND (strpos(addr, name) > 0 OR EXISTS (SELECT 1 FROM unnest(short_names) s WHERE strpos(addr, s) > 0))
		 ORDER BY length(name) DESC LIMIT 1;
		IF FOUND THEN
			NEW.district := d.name;
			NEW.region_code := d.code;
		END IF;
	END IF;
	RETURN NEW;
END $$;

CREATE FUNCTION plpgsql.flag(o plpgsql.orders, code text, detail text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	f plpgsql.flags;
BEGIN
	INSERT INTO plpgsql.flags (shop, order_id, code, severity, detail)
	SELECT o.shop, o.order_id, c.code, c.severity, detail FROM ordertrack.flag_codes c WHERE c.code = flag.code
	RETURNING * INTO f;
	INSERT INTO plpgsql.events (shop, topic, kind, order_id, payload)
	VALUES (o.shop, 'alerts', 'flag_raised', o.order_id,
			jsonb_build_object('flag_id', f.flag_id, 'code', f.code, 'severity', f.severity, 'detail', f.detail));
	RETURN f.severity;
END $$;

CREATE FUNCTION plpgsql.check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	o plpgsql.orders;
	l record;
	tags text[] := '{}';
	sev text[] := '{}';
	codes text[] := '{}';
	found_text text;
	remarks text;
	addr text;
	n int := 0;
BEGIN
	SELECT * INTO o FROM plpgsql.orders WHERE shop = NEW.shop AND order_id = NEW.order_id;
	IF NOT FOUND OR o.intake_checked_at IS NOT NULL THEN
		RETURN NULL;
	END IF;
	addr := lower(coalesce(o.address, ''));
	IF coalesce(o.recipient, '') !~ '[[:alnum:]]' THEN
		sev := sev || plpgsql.flag(o, 'name_missing', 'Recipient: "' || coalesce(o.recipient, '') || '".'); codes := codes || 'name_missing'::text;
	END IF;
	IF o.phone_normalized IS NULL THEN
		sev := sev || plpgsql.flag(o, 'phone_invalid', 'Phone "' || coalesce(o.phone, '') || '" is not a number that can be called.'); codes := codes || 'phone_invalid'::text;
	END IF;
	IF length(regexp_replace(addr, '[^[:alnum:]]', '', 'g')) < coalesce(current_setting('ordertrack.address_min_chars', true), '8')::int THEN
		sev := sev || plpgsql.flag(o, 'address_incomplete', 'Address "' || addr || '" is too short.'); codes := codes || 'address_incomplete'::text;
	ELSIF NOT EXISTS (SELECT 1 FROM ordertrack.address_unit_keywords k WHERE k.enabled AND strpos(addr, lower(k.keyword)) > 0) THEN
		sev := sev || plpgsql.flag(o, 'address_needs_unit', 'Address "' || addr || '" names no unit.'); codes := codes || 'address_needs_unit'::text;
	END IF;
	IF o.province IS NULL THEN
		sev := sev || plpgsql.flag(o, 'region_unknown', 'No province recognised.'); codes := codes || 'region_unknown'::text;
	END IF;
	FOR l IN SELECT ol.*, p.sku IS NOT NULL AS known, p.active, p.title AS p_title, p.spec AS p_spec,
					p.colour AS p_colour, p.fragile, p.cold_chain
			   FROM plpgsql.order_lines ol LEFT JOIN ordertrack.products p ON p.sku = ol.sku
			  WHERE ol.shop = o.shop AND ol.order_id = o.order_id ORDER BY ol.line_id
	LOOP
		n := n + 1;
		IF NOT l.known OR NOT l.active THEN
			sev := sev || plpgsql.flag(o, 'sku_unknown', 'SKU ' || l.sku || ' is not in the catalogue.'); codes := codes || 'sku_unknown'::text;
		ELSIF lower(l.title) <> lower(l.p_title) OR lower(l.spec) <> lower(l.p_spec) OR lower(l.colour) <> lower(l.p_colour) THEN
			sev := sev || plpgsql.flag(o, 'sku_mismatch', 'SKU ' || l.sku || ' differs from the catalogue.'); codes := codes || 'sku_mismatch'::text;
		END IF;
		IF l.fragile THEN tags := tags || 'fragile'::text; END IF;
		IF l.cold_chain THEN tags := tags || 'cold_chain'::text; END IF;
		IF l.quantity > coalesce(current_setting('ordertrack.bulk_quantity', true), '50')::int THEN
			sev := sev || plpgsql.flag(o, 'quantity_unusual', 'SKU ' || l.sku || ': quantity ' || l.quantity); codes := codes || 'quantity_unusual'::text;
		END IF;
		IF coalesce(l.customization, '') <> '' THEN
			tags := tags || 'customized'::text;
			sev := sev || plpgsql.flag(o, 'customization', 'SKU ' || l.sku || ': ' || l.customization); codes := codes || 'customization'::text;
		END IF;
	END LOOP;
	IF n = 0 THEN
		RAISE EXCEPTION 'order % has no lines', o.order_id USING ERRCODE = 'check_violation';
	END IF;
	remarks := lower(coalesce(o.remarks, ''));
	SELECT array_agg(DISTINCT k.tag) INTO STRICT found_text FROM ordertrack.special_request_keywords k
	 WHERE k.enabled AND strpos(remarks, lower(k.keyword)) > 0;
	IF found_text IS NOT NULL THEN
		tags := tags || found_text::text[];
		sev := sev || plpgsql.flag(o, 'special_request', 'Remarks "' || o.remarks || '" ask for: ' || found_text); codes := codes || 'special_request'::text;
	END IF;
	IF o.urgent THEN tags := tags || 'urgent'::text; END IF;

	PERFORM pg_advisory_xact_lock(hashtextextended('plpgsql intake' || o.shop || o.account, 0));
	SELECT string_agg(DISTINCT format('%s (ERP %s)', x.order_id, x.external_ref), ', ') INTO found_text
	  FROM plpgsql.orders x JOIN plpgsql.order_lines xl ON xl.shop = x.shop AND xl.order_id = x.order_id
	 WHERE x.shop = o.shop AND x.account = o.account AND x.order_id <> o.order_id AND x.stage <> 'cancelled'
	   AND x.created_at > o.created_at - coalesce(current_setting('ordertrack.duplicate_window', true), '2h')::interval
	   AND x.created_at < o.created_at + coalesce(current_setting('ordertrack.duplicate_window', true), '2h')::interval
	   AND xl.sku IN (SELECT sku FROM plpgsql.order_lines WHERE shop = o.shop AND order_id = o.order_id);
	IF found_text IS NOT NULL THEN
		sev := sev || plpgsql.flag(o, 'duplicate_suspect', 'Same SKU in order ' || found_text); codes := codes || 'duplicate_suspect'::text;
	END IF;
	SELECT string_agg(format('%s (%s, %s)', note, kind, noted_at::date), '; ' ORDER BY noted_at DESC) INTO found_text
	  FROM ordertrack.customer_notes WHERE shop = o.shop AND account = o.account;
	IF found_text IS NOT NULL THEN
		sev := sev || plpgsql.flag(o, 'customer_history', found_text); codes := codes || 'customer_history'::text;
	END IF;
	SELECT string_agg(kind || ' ' || value, '; ') INTO found_text FROM ordertrack.blacklist
	 WHERE shop = o.shop AND ((kind = 'account' AND value = o.account) OR (kind = 'phone' AND value IN (o.phone, o.phone_normalized))
		   OR (kind = 'address' AND value = o.address));
	IF found_text IS NOT NULL THEN
		sev := sev || plpgsql.flag(o, 'blacklisted', found_text); codes := codes || 'blacklisted'::text;
	END IF;

	UPDATE plpgsql.orders SET service_requirements = CASE WHEN cardinality(tags) = 0 THEN '{none}' ELSE tags END,
		   intake_checked_at = now(),
		   stage = CASE WHEN 'block' = ANY (sev) THEN 'review'::ordertrack.stage ELSE stage END
	 WHERE shop = o.shop AND order_id = o.order_id
	RETURNING * INTO o;
	INSERT INTO plpgsql.events (shop, topic, kind, order_id, payload)
	VALUES (o.shop, 'intake', 'order_received', o.order_id,
			jsonb_build_object('order_id', o.order_id, 'external_ref', o.external_ref, 'stage', o.stage,
							   'service_requirements', o.service_requirements, 'flags', to_jsonb(codes)));
	RETURN NULL;
END $$;

CREATE TRIGGER prepare BEFORE INSERT ON plpgsql.orders FOR EACH ROW EXECUTE FUNCTION plpgsql.prepare();
CREATE CONSTRAINT TRIGGER "check" AFTER INSERT ON plpgsql.orders DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION plpgsql."check"();
