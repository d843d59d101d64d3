-- pgTAP: the clock.  sweep(at) at fixed times: an order unpaid for
-- ordertrack.payment_timeout gets payment_overdue and one payment_reminder,
-- once; cash on delivery and paid orders never; cancellation after
-- ordertrack.payment_cancel_after when set.  Picking, in operations' words:
-- confirmed at C, at C+1h with 80% picked nothing, at C+2h with 50% picked
-- pick_behind_schedule, at C+5h01 not packed pick_overdue, packed in time
-- nothing.  A parcel with no scan for 48h gets transit_stalled, not at 47h,
-- once per stall.  A second sweep at the same time raises nothing.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(47);

INSERT INTO products (sku, title) VALUES ('SW-1', 'hoodie');
-- An order through intake, checked at once, taken at the given time.
CREATE FUNCTION pg_temp.intake(ref text, taken timestamptz, changes jsonb DEFAULT '{}') RETURNS bigint LANGUAGE sql AS $$
	SELECT ordertrack.submit_order(jsonb_build_object('shop', 'sw', 'external_ref', ref, 'account', 'acc-' || ref,
		'recipient', '张三', 'phone', '138 1234 5678', 'address', '北京市朝阳区建国路88号3号楼2单元501室',
		'lines', jsonb_build_array(jsonb_build_object('sku', 'SW-1', 'quantity', 10))) || changes);
	UPDATE ordertrack.orders SET created_at = taken WHERE shop = 'sw' AND external_ref = ref;
	SET CONSTRAINTS ALL IMMEDIATE;
	SET CONSTRAINTS ALL DEFERRED;
	SELECT order_id FROM ordertrack.orders WHERE shop = 'sw' AND external_ref = ref;
$$;
-- What one sweep raised, as text: 'code=n, ...' for the codes it raised.
CREATE FUNCTION pg_temp.sweep(at timestamptz) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(code || '=' || raised, ', ' ORDER BY code), '') FROM ordertrack.sweep(at) WHERE raised > 0
$$;
CREATE FUNCTION pg_temp.flags(id bigint) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(code, ', ' ORDER BY flag_id), '') FROM ordertrack.flags WHERE order_id = id
$$;
\ir lib/error_of.sql

SELECT is(current_setting('ordertrack.payment_timeout') || ' ' || current_setting('ordertrack.pick_deadline') || ' ' ||
		  current_setting('ordertrack.transit_stall') || ' ' || current_setting('ordertrack.payment_cancel_after'),
	'30min 5h 2d 0', 'the deadlines by default: 30 minutes to pay, 5 hours to pack, 48 hours between scans, no cancellation');
SELECT is(pg_temp.sweep('2030-01-01 09:00+08'), '', 'nothing is due in an empty shop');

-- Payment, from T0 = 2030-01-01 10:00+08.
SELECT pg_temp.intake('unpaid', '2030-01-01 10:00+08') AS unpaid \gset
SELECT pg_temp.intake('cod', '2030-01-01 10:00+08', '{"cash_on_delivery": true}') AS cod \gset
SELECT pg_temp.intake('paid', '2030-01-01 10:00+08') AS paid \gset
SELECT is(mark_paid(:paid, '2030-01-01 10:05+08'), '2030-01-01 10:05+08'::timestamptz, 'one order is paid');
SELECT is(pg_temp.sweep('2030-01-01 10:29+08'), '', 'at 29 minutes nothing is due');
SELECT is(pg_temp.sweep('2030-01-01 10:31+08'), 'payment_overdue=1', 'at 31 minutes the unpaid order is due, and only it');
SELECT is(pg_temp.flags(:unpaid) || ' / ' || pg_temp.flags(:cod) || ' / ' || pg_temp.flags(:paid), 'payment_overdue /  / ',
	'it has payment_overdue; the cash-on-delivery and the paid order nothing');
SELECT is((SELECT severity FROM flags WHERE order_id = :unpaid), 'warn', 'a warn flag: the order is not held');
SELECT is((SELECT topic || ' ' || (payload->>'held_until')::timestamptz::text FROM events WHERE order_id = :unpaid AND kind = 'payment_reminder'),
	'customer ' || '2030-01-02 10:00+08'::timestamptz::text, 'one payment_reminder to the customer: the items are held for 24 hours');
SELECT matches((SELECT payload->>'message' FROM events WHERE order_id = :unpaid AND kind = 'payment_reminder'),
	'保留商品至 2030-01-02', 'the reminder says until when the items are held');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :unpaid AND kind = 'flag_raised'), 1, 'and an alert for the flag');
SELECT is(pg_temp.sweep('2030-01-01 10:31+08'), '', 'a second sweep at the same time raises nothing');
SELECT is(pg_temp.sweep('2030-01-01 14:00+08'), '', 'nor a later one: an order is reminded once');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :unpaid AND kind = 'payment_reminder'), 1, 'one reminder in all');

-- Cancellation, when the shop sets it.
SET ordertrack.payment_cancel_after = '2h';
SELECT pg_temp.intake('late', '2030-01-01 13:00+08') AS late \gset
SELECT is(pg_temp.sweep('2030-01-01 13:31+08'), 'payment_cancelled=1, payment_overdue=1',
	'with cancellation after 2 hours, the order unpaid since 10:00 is cancelled, and the one of 13:00 reminded');
SELECT is((SELECT (payload->>'held_until')::timestamptz FROM events WHERE order_id = :late AND kind = 'payment_reminder'),
	'2030-01-01 15:00+08'::timestamptz, 'and told it is held until it would be cancelled');
SELECT is(pg_temp.sweep('2030-01-01 15:01+08'), 'payment_cancelled=1', 'two hours after it was taken, it is cancelled too');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :late), 'cancelled', 'through the stage graph');
SELECT is((SELECT actor || ': ' || reason FROM stage_history WHERE order_id = :late ORDER BY change_id DESC LIMIT 1),
	'ordertrack.sweep: unpaid for 02:00:00 (ordertrack.payment_cancel_after)', 'recorded with the sweep as the actor');
SELECT is((SELECT stage::text FROM orders WHERE order_id = :cod), 'received', 'the cash-on-delivery order stays');
RESET ordertrack.payment_cancel_after;

-- Picking: confirmed at C (now, in this transaction).
DO $$
BEGIN
	PERFORM pg_temp.intake('k' || n, now()) FROM generate_series(1, 4) n;
	PERFORM ordertrack.mark_paid(order_id, now()) FROM ordertrack.orders WHERE external_ref ~ '^k';
	PERFORM ordertrack.confirm(order_id) FROM ordertrack.orders WHERE external_ref ~ '^k';
END
$$;
SELECT order_id AS k1 FROM orders WHERE external_ref = 'k1' \gset
SELECT order_id AS k2 FROM orders WHERE external_ref = 'k2' \gset
SELECT order_id AS k3 FROM orders WHERE external_ref = 'k3' \gset
SELECT order_id AS k4 FROM orders WHERE external_ref = 'k4' \gset
SELECT is((SELECT count(*)::int FROM orders WHERE external_ref ~ '^k' AND confirmed_at = now()), 4, 'confirm() notes when');
SELECT is(ARRAY[record_pick(:k1, 'SW-1', 8), record_pick(:k2, 'SW-1', 5), record_pick(:k4, 'SW-1', 10)],
	ARRAY[0.8, 0.5, 1]::numeric[], 'k1 80%, k2 50% and k4 all picked; k3 nothing');
SELECT is(pg_temp.sweep(now() + interval '1 hour') || ' | ' || pg_temp.flags(:k1), 'pick_behind_schedule=1 | ',
	'at C+1h with 80% picked: nothing (only k3, with nothing picked, is behind)');
SELECT is(pg_temp.flags(:k3), 'pick_behind_schedule', 'k3 is behind at C+1h');
SELECT is(pg_temp.sweep(now() + interval '2 hours') || ' | ' || pg_temp.flags(:k1), 'pick_behind_schedule=1 | ',
	'at C+2h with 50% picked: pick_behind_schedule, for k2 alone');
SELECT is(pg_temp.flags(:k2), 'pick_behind_schedule', 'k2 is behind');
SELECT matches((SELECT detail FROM flags WHERE order_id = :k2), '^50% picked 02:00:00 after confirmation; 67% expected by now',
	'the flag says how far behind');
SELECT is(pg_temp.sweep(now() + interval '2 hours'), '', 'a second sweep raises nothing');
SELECT is(advance(:k4, 'packed', 'packed')::text, 'packed', 'k4 is packed');
SELECT is(pg_temp.sweep(now() + interval '5 hours') || ' | ' || pg_temp.flags(:k1), 'pick_behind_schedule=1 | pick_behind_schedule',
	'at C+5h nothing is overdue yet; k1, still at 80% when all should be picked, is behind');
SELECT is(pg_temp.sweep(now() + interval '5 hours 1 minute'), 'pick_overdue=3', 'at C+5h01 the three orders not packed are overdue');
SELECT is(pg_temp.flags(:k4), '', 'the order packed in time has no flag');
SELECT is(pg_temp.sweep(now() + interval '6 hours'), '', 'pick_overdue is raised once');
-- A deadline met late: k2 is picked and packed; the next sweep resolves its
-- flags, and leaves the others'.
SELECT is(record_pick(:k2, 'SW-1', 5) || ' ' || advance(:k2, 'packed', 'packed late'), '1 packed', 'k2 is packed late');
SELECT is(pg_temp.sweep(now() + interval '7 hours'), '', 'the next sweep raises nothing');
SELECT is((SELECT string_agg(code || ': ' || resolved_by || ', ' || resolution, '; ' ORDER BY flag_id) FROM flags WHERE order_id = :k2),
	'pick_behind_schedule: ordertrack.sweep, packed; pick_overdue: ordertrack.sweep, packed',
	'and resolves k2''s flags: the order is packed');
SELECT is((SELECT count(*)::int FROM events WHERE order_id = :k2 AND kind = 'flag_resolved' AND payload->>'resolved_by' = 'ordertrack.sweep'),
	2, 'publishing flag_resolved for each');
SELECT is((SELECT count(*)::int FROM flags WHERE order_id IN (:k1, :k3) AND resolved_at IS NULL), 4,
	'k1 and k3, still not packed, keep theirs open');

-- Transit: k4 is collected at S = 2030-02-01 08:00+08.
SELECT is((SELECT record_scan(tracking_no, 'collected', '2030-02-01 08:00+08', '上海') FROM orders WHERE order_id = :k4)::text,
	'shipped', 'k4 is collected: shipped');
SELECT is(pg_temp.sweep('2030-02-03 07:00+08'), '', 'at 47 hours without a scan nothing');
SELECT is(pg_temp.sweep('2030-02-03 08:01+08'), 'transit_stalled=1', 'at 48 hours transit_stalled');
SELECT is(pg_temp.sweep('2030-02-04 08:01+08'), '', 'once for one stall');
SELECT is((SELECT record_scan(tracking_no, 'in_transit', '2030-02-04 09:00+08', '南京') FROM orders WHERE order_id = :k4)::text,
	'in_transit', 'a later scan');
SELECT is(pg_temp.sweep('2030-02-06 09:01+08'), 'transit_stalled=1', 'a later scan and a new stall raise it again');
SELECT is(pg_temp.flags(:k4), 'transit_stalled, transit_stalled', 'two stalls, two flags');
SELECT is((SELECT string_agg(coalesce(resolution, 'open'), ', ' ORDER BY flag_id) FROM flags WHERE order_id = :k4),
	'scanned again, open', 'the first stall was resolved by the later scan, the second is open');
SELECT is((SELECT resolution FROM flags WHERE order_id = :unpaid AND code = 'payment_overdue'), 'order cancelled',
	'the reminded order, since cancelled, has its payment_overdue resolved');

SELECT throws_ok('SELECT ordertrack.sweep(NULL)', '22004', 'the time to sweep at must not be null', 'a null time is refused');
SELECT * FROM finish();
ROLLBACK;
