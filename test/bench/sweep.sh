#!/usr/bin/env bash
# test/bench/sweep.sh: what a sweep costs over 1,000,000 open orders.
#
#   bash test/bench/sweep.sh          (from the repository root)
#
# Builds and installs the extension, starts a throwaway cluster and loads
# OT_BENCH_ORDERS (1,000,000) open orders of 100 shops, none of them due:
# unpaid ones taken in the last 25 minutes, orders being picked confirmed in
# the last 10 minutes, parcels scanned in the last 40 hours, and the rest
# paid and waiting (received), packed, or out for delivery.  Then it times
# (each the median of OT_BENCH_RUNS, 5, in one session):
#   - the baseline: one sequential read of the orders (count(*)), what a
#     sweep that looked at every open order would at least cost;
#   - sweep() with nothing due (target: under 1 s);
#   - sweep() with 1,000 and then 10,000 orders due (a tenth of each kind
#     made due, then undone, before each run): its time per due order, which
#     should not change with how many are due.
# Prints each time in ms and the ratio to the baseline.  Exits 0 whatever the
# figures; non-zero only if something failed to run.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh

ORDERS=${OT_BENCH_ORDERS:-1000000}
RUNS=${OT_BENCH_RUNS:-5}
DB=ot_bench_sweep

ot_install_packages
ot_build_install
export OT_PORT=${OT_PORT:-54371}
trap 'ot_cluster_destroy' EXIT
ot_cluster_start -c shared_buffers=512MB -c max_wal_size=4GB -c jit=off -c autovacuum=off >/dev/null
ot_fresh_db $DB >/dev/null

echo "# loading $ORDERS open orders (none due), as a restore would (checked, no triggers)"
ot_psql -d $DB <<SQL
SET session_replication_role = replica;	-- bulk load: the intake triggers are for the ERP's rows
INSERT INTO ordertrack.products (sku, title) VALUES ('SKU-1', 'hoodie');
INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, created_at, intake_checked_at,
							   paid_at, stage, tracking_no, carrier, confirmed_at, last_scan_at, pick_progress)
SELECT 's' || g % 100, 'b' || g, 'acc' || g % 200000, '张三', '13812345678', '北京市朝阳区建国路88号3号楼2单元501室',
	   t.created, now(), t.paid, s.stage::ordertrack.stage,
	   NULL, CASE WHEN s.stage IN ('received', 'review') THEN NULL ELSE 'ZTO' END,
	   t.confirmed, t.scanned, t.progress
  FROM generate_series(1, $ORDERS) g,
	   LATERAL (SELECT CASE g % 10
			WHEN 0 THEN 'received' WHEN 1 THEN 'received' WHEN 2 THEN 'confirmed' WHEN 3 THEN 'picking'
			WHEN 4 THEN 'packed' WHEN 5 THEN 'shipped' WHEN 6 THEN 'in_transit' WHEN 7 THEN 'in_transit'
			WHEN 8 THEN 'out_for_delivery' ELSE 'received' END AS stage) s,
	   LATERAL (SELECT
			now() - (g % 1500) * interval '1 second' AS created,		-- within 25 minutes
			CASE WHEN g % 10 IN (0, 9) THEN NULL ELSE now() END AS paid,	-- some received orders unpaid
			CASE WHEN s.stage IN ('confirmed', 'picking', 'packed', 'shipped', 'in_transit', 'out_for_delivery')
				 THEN now() - (g % 600) * interval '1 second' END AS confirmed,	-- within 10 minutes
			CASE WHEN s.stage IN ('shipped', 'in_transit', 'out_for_delivery')
				 THEN now() - (g % 144000) * interval '1 second' END AS scanned,	-- within 40 hours
			CASE WHEN s.stage = 'picking' THEN 0.5 END AS progress) t;
SQL
ot_psql -d $DB -c "VACUUM ANALYZE ordertrack.orders" -c "CHECKPOINT" >/dev/null

# The median of $RUNS timings (ms) of a statement, each after the setup statement.
median_ms() {	# setup statement
	ot_psql -d $DB -At <<SQL
CREATE TEMP TABLE t (ms float8);
DO \$\$
DECLARE
	s timestamptz;
BEGIN
	FOR i IN 1..$RUNS LOOP
		$2;
		s := clock_timestamp();
		$1;
		INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - s) * 1000);
		$3;
	END LOOP;
END
\$\$;
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM t;
SQL
}

# Makes n orders due (a quarter of each kind) by moving their times back;
# what a sweep raised on them is undone after the run.
due() {	# n
	local q=$(( $1 / 4 ))
	cat <<SQL
UPDATE ordertrack.orders SET created_at = created_at - interval '1 hour'
 WHERE order_id IN (SELECT order_id FROM ordertrack.orders WHERE paid_at IS NULL AND stage = 'received' LIMIT $q);
UPDATE ordertrack.orders SET confirmed_at = confirmed_at - interval '3 hours'
 WHERE order_id IN (SELECT order_id FROM ordertrack.orders WHERE stage = 'picking' LIMIT $q);
UPDATE ordertrack.orders SET confirmed_at = confirmed_at - interval '6 hours'
 WHERE order_id IN (SELECT order_id FROM ordertrack.orders WHERE stage = 'confirmed' LIMIT $q);
UPDATE ordertrack.orders SET last_scan_at = last_scan_at - interval '3 days'
 WHERE order_id IN (SELECT order_id FROM ordertrack.orders WHERE stage = 'in_transit' LIMIT $q)
SQL
}
undo="PERFORM set_config('session_replication_role', 'replica', true);
	DELETE FROM ordertrack.flags; DELETE FROM ordertrack.events; DELETE FROM ordertrack.sweeps;
	UPDATE ordertrack.orders SET created_at = now() - interval '10 minutes', payment_reminded_at = NULL
	 WHERE payment_reminded_at IS NOT NULL OR created_at < now() - interval '30 minutes';
	UPDATE ordertrack.orders SET confirmed_at = now() - interval '5 minutes' WHERE confirmed_at < now() - interval '10 minutes';
	UPDATE ordertrack.orders SET last_scan_at = now() - interval '1 hour', stalled_scan_at = NULL
	 WHERE last_scan_at < now() - interval '40 hours';
	PERFORM set_config('session_replication_role', 'origin', true)"

echo "# timing (median of $RUNS runs each)"
base=$(median_ms "PERFORM count(*) FROM ordertrack.orders" "NULL" "NULL")
none=$(median_ms "PERFORM ordertrack.sweep()" "NULL" "NULL")
raised=$(ot_val $DB "SELECT sum(raised) FROM ordertrack.sweep()")
d1=$(median_ms "PERFORM ordertrack.sweep()" "$(due 1000)" "$undo")
r1=$(ot_psql -d $DB -At -c "BEGIN" -c "$(due 1000)" -c "SELECT sum(raised) FROM ordertrack.sweep()" -c "ROLLBACK" | tail -1)
d10=$(median_ms "PERFORM ordertrack.sweep()" "$(due 10000)" "$undo")
r10=$(ot_psql -d $DB -At -c "BEGIN" -c "$(due 10000)" -c "SELECT sum(raised) FROM ordertrack.sweep()" -c "ROLLBACK" | tail -1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
per() { awk -v t="$1" -v t0="$2" -v n="$3" 'BEGIN { printf "%.3f", (t - t0) / n }'; }
printf '\n%-58s %10s %8s\n' "over $ORDERS open orders" "ms" "ratio"
printf '%-58s %10s %8s\n' "baseline: read every order once (count(*))" "$base" "1.000"
printf '%-58s %10s %8s\n' "sweep, nothing due (raised ${raised:-0})" "$none" "$(ratio "$none" "$base")"
printf '%-58s %10s %8s\n' "sweep, $r1 raised" "$d1" "$(ratio "$d1" "$base")"
printf '%-58s %10s %8s\n' "sweep, $r10 raised" "$d10" "$(ratio "$d10" "$base")"
printf '%-58s %10s\n' "per flag raised, 1,000 due (ms)" "$(per "$d1" "$none" "$r1")"
printf '%-58s %10s\n' "per flag raised, 10,000 due (ms)" "$(per "$d10" "$none" "$r10")"
