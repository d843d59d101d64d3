/* ordertrack--0.7--0.8.sql: ALTER EXTENSION ordertrack UPDATE TO '0.8' */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.8'" to load this file. \quit

-- A checked order, not yet confirmed, is checked again on a corrected
-- recipient, phone or address: the trigger fires on the recipient too.
COMMENT ON FUNCTION ordertrack.order_intake_rederive() IS
	'Trigger AFTER UPDATE on orders, when the recipient, the phone or the address changed: recomputes phone_normalized, province, city, district, region_code and remote, and checks a checked order in received or review again on those fields';
DROP TRIGGER order_intake_rederive ON ordertrack.orders;
CREATE TRIGGER order_intake_rederive AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.recipient IS DISTINCT FROM NEW.recipient OR OLD.phone IS DISTINCT FROM NEW.phone
					   OR OLD.address IS DISTINCT FROM NEW.address)
	EXECUTE FUNCTION ordertrack.order_intake_rederive();
COMMENT ON TRIGGER order_intake_rederive ON ordertrack.orders IS
	'A corrected phone or address brings a new normalised phone and region; a corrected recipient, phone or address of a checked order is checked again';
