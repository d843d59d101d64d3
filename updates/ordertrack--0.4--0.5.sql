/* ordertrack--0.4--0.5.sql: ALTER EXTENSION ordertrack UPDATE TO '0.5' */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.5'" to load this file. \quit

-- flag_raised goes to topic alerts for flags of at least
-- ordertrack.alert_severity (block, warn or info; warn when the library has
-- not defined the setting yet), as intake does.
CREATE OR REPLACE FUNCTION ordertrack.raise_flag(shop text, order_id bigint, code text, detail text) RETURNS bigint
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
