#!/usr/bin/env bash
# test/bench/builds.sh: the intake and events benchmarks on two builds of
# the library, in one run, for a change that should not change run time.
#
#   bash test/bench/builds.sh [BASE]      (from the repository root)
#
# BASE is a git revision (default HEAD).  Its library is built in a worktree
# of its own, and the working tree's as usual; the SQL installed is the
# working tree's, so BASE's library must serve the same schema (a change
# that moves code, not one that changes tables).  On one cluster, set up as
# test/bench/intake.sh sets up its own (fsync on, the library preloaded,
# doorbell mode, 200,000 orders of history), each round installs one
# build's library file, restarts the server, warms it up with a 5-second
# run that is not counted, and measures:
#   - intake: pgbench, orders of 3 lines into ordertrack's tables,
#     synchronous_commit=off, 2 clients (the CPU-bound mode), for
#     OT_BENCH_SECONDS (20); orders per second and server CPU per order;
#     every run starts from the 200,000 orders again;
#   - events: a backlog of OT_BENCH_EVENTS (200,000) events drained by
#     ordertrack-listen --once with its default batch (--max 100); events
#     per second.
# Both also under callgrind (when valgrind is installed; OT_BENCH_CALLGRIND=0
# skips it): instructions per order and per event, counted on the server in
# single-user mode, which are the same for the same code and data whatever
# else the machine does.  On this project's shared 2-core machines a 20 s
# pgbench run of the same code varies by 15% from one run to the next, so
# the instruction counts are the figure that shows a change in run time.
# OT_BENCH_ROUNDS (3) rounds of the timed runs (0: none), each build once
# per round, which build goes first alternating.  Prints each build's mean
# and the ratio working tree / BASE (1.00: the same; above 1: the working
# tree is faster, or for CPU and instructions, cheaper).  Exits 0 whatever
# the figures; non-zero only if something failed to run.  The working
# tree's library is installed again at the end.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

BASE=${1:-HEAD}
SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
ROUNDS=${OT_BENCH_ROUNDS:-3}
EVENTS=${OT_BENCH_EVENTS:-200000}
base_name=$(git rev-parse --short "$BASE")
ot_install_packages
work=$(mktemp -d)
chmod 755 "$work"
libdir=$("$PG_CONFIG" --pkglibdir)
cleanup() {
	ot_cluster_destroy
	[ -f "$work/new.so" ] && ot_as_root cp "$work/new.so" "$libdir/ordertrack.so"
	git worktree remove --force "$work/base" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "# building $base_name and the working tree"
git worktree add -q --detach "$work/base" "$BASE"
make -s -C "$work/base" PG_CONFIG="$PG_CONFIG" >/dev/null
cp "$work/base/ordertrack.so" "$work/base.so"
ot_build_install
cp ordertrack.so "$work/new.so"

db=ot_bench_builds
bench_cluster_start $db
ot_fresh_db $db
echo "# loading products and 200,000 recent orders"
bench_load_history $db
ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null

# Instructions, counted by callgrind: the same figure for the same code and
# data whatever else the machine does.  The server runs in single-user mode
# on a copy of the stopped cluster, one statement a transaction: N orders
# of 3 lines (one statement each, the same orders for both builds), or N
# events written and then drained 100 at a time by poll and ack.  Each is
# counted at two sizes and the difference divided by the difference in N,
# so that start-up and first-use costs cancel out.
orders_sql() {	# N -> one statement per order
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) { a = (i * 7919) % 50000 + 1;
		printf "WITH o AS (INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks)" \
			" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING shop, order_id)" \
			" INSERT INTO ordertrack.order_lines (shop, order_id, sku, title, spec, colour, quantity)" \
			" SELECT o.shop, o.order_id, %s || s, %s || s, %s, %s, q FROM o, (VALUES (%d, 1), (%d, 2), (%d, 1)) v(s, q);\n",
			"'"'"'s" a % 10 "'"'"'", "'"'"'cg" i "'"'"'", "'"'"'acc" a "'"'"'", "'"'"'张三'"'"'", "'"'"'138 1234 5678'"'"'",
			"'"'"'北京市朝阳区建国路88号3号楼2单元501室'"'"'", "'"'"'周末配送，加冰袋'"'"'",
			"'"'"'SKU-'"'"'", "'"'"'product '"'"'", "'"'"'M'"'"'", "'"'"'blue'"'"'",
			(i * 31) % 1000 + 1, (i * 37) % 1000 + 1, (i * 41) % 1000 + 1 } }'
	echo "SELECT count(*) AS unchecked FROM ordertrack.orders WHERE external_ref LIKE 'cg%' AND intake_checked_at IS NULL;"
}
events_sql() {	# N -> the events, then poll and ack until drained
	echo "INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload) SELECT 's' || g % 10, 'warehouse', 'pick_requested', g, jsonb_build_object('order_id', g) FROM generate_series(1, $1) g;"
	for ((i = 0; i <= $1 / 100; i++)); do
		echo "SELECT ordertrack.ack('cg', max(event_id)) FROM ordertrack.poll('cg', 100) HAVING max(event_id) IS NOT NULL;"
	done
	echo "SELECT count(*) AS unchecked FROM ordertrack.poll('cg', 1000000);"
}
instructions() {	# build kind N -> instructions of the whole single-user run
	local out=$work/cg/callgrind.out
	rm -rf "$work/run" "$out"
	cp -a "$work/snap" "$work/run"
	ot_as_root cp "$work/$1.so" "$libdir/ordertrack.so"
	"${2}_sql" "$3" >"$work/cg.sql"
	ot_run_as_owner valgrind -q --tool=callgrind --callgrind-out-file="$out" \
		"$PGBIN/postgres" --single -D "$work/run" -c shared_preload_libraries=ordertrack \
		-c ordertrack.notify=commit -c fsync=off $db <"$work/cg.sql" >"$work/cg.log" 2>&1 ||
		{ cat "$work/cg.log" >&2; return 1; }
	# no error, and every order checked or every event drained
	! grep -q ERROR "$work/cg.log" && grep -q 'unchecked = "0"' "$work/cg.log" ||
		{ grep -E 'ERROR|unchecked' "$work/cg.log" | head -5 >&2; return 1; }
	sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -1
}
declare -A ir=()
if [ "${OT_BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
	echo "# counting instructions under callgrind (OT_BENCH_CALLGRIND=0 skips this)"
	ot_cluster_ctl stop
	cp -a "$OT_CLUSTER_DIR/data" "$work/snap"
	mkdir "$work/cg"
	chown "$(ot_cluster_user)" "$work/cg"
	for b in base new; do
		for kind in orders events; do
			if [ $kind = orders ]; then n1=20; n2=220; else n1=1000; n2=11000; fi
			i1=$(instructions $b $kind $n1)
			i2=$(instructions $b $kind $n2)
			ir[$b-$kind]=$(((i2 - i1) / (n2 - n1)))
			echo "# $b: ${ir[$b-$kind]} instructions per ${kind%s} ($kind $n1 and $n2: $i1 and $i2)"
		done
	done
	rm -rf "$work/run" "$work/snap"
	ot_cluster_ctl start
fi

# Restarts the server with build $1's library, and warms its caches with a
# run that is not counted.
use_build() {
	ot_cluster_ctl stop
	ot_as_root cp "$work/$1.so" "$libdir/ordertrack.so"
	ot_cluster_ctl start
	bench_run $db ordertrack off 2 doorbell 5 >/dev/null
	bench_reset $db ordertrack
}

# Drains a backlog of $EVENTS events with ordertrack-listen; prints events
# per second.
drain() {
	local t0 t1 n
	ot_psql -d $db -q -c "DELETE FROM ordertrack.events" -c "DELETE FROM ordertrack.consumers" \
		-c "INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)
			SELECT 's' || g % 10, 'warehouse', 'pick_requested', g, jsonb_build_object('order_id', g)
			  FROM generate_series(1, $EVENTS) g" \
		-c "VACUUM ANALYZE ordertrack.events, ordertrack.consumers" >/dev/null
	t0=$(date +%s.%N)
	"$PGBIN/ordertrack-listen" --consumer bench --once $db >"$work/drained"
	t1=$(date +%s.%N)
	n=$(wc -l <"$work/drained")
	[ "$n" = "$EVENTS" ] || { echo "ordertrack-listen printed $n events, not $EVENTS" >&2; return 1; }
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

declare -A tps=() cpu=() eps=()
for ((r = 0; r < ROUNDS; r++)); do
	order="base new"
	((r % 2)) && order="new base"
	for b in $order; do
		use_build $b
		read -r t u <<<"$(bench_run $db ordertrack off 2 doorbell "$SECONDS_PER_RUN")"
		bench_reset $db ordertrack
		e=$(drain)
		echo "# round $((r + 1)), $b: $t orders/s, $u us of server CPU per order, $e events/s"
		tps[$b]=$(awk -v a="${tps[$b]:-0}" -v b="$t" 'BEGIN { print a + b }')
		cpu[$b]=$((${cpu[$b]:-0} + u))
		eps[$b]=$((${eps[$b]:-0} + e))
	done
done

printf '\n%-46s %12s %12s %8s\n' "" "$base_name" "working tree" "ratio"
((ROUNDS == 0)) || awk -v n="$ROUNDS" -v tb="${tps[base]}" -v tn="${tps[new]}" -v cb="${cpu[base]}" -v cn="${cpu[new]}" \
	-v eb="${eps[base]}" -v en="${eps[new]}" 'BEGIN {
	printf "%-46s %12.0f %12.0f %8.2f\n", "intake, orders per second", tb / n, tn / n, tn / tb;
	printf "%-46s %12.0f %12.0f %8.2f\n", "intake, server CPU per order (us)", cb / n, cn / n, cb / cn;
	printf "%-46s %12.0f %12.0f %8.2f\n", "events drained per second", eb / n, en / n, en / eb }'
if [ -n "${ir[base-orders]:-}" ]; then
	awk -v bo="${ir[base-orders]}" -v no="${ir[new-orders]}" -v be="${ir[base-events]}" -v ne="${ir[new-events]}" 'BEGIN {
	printf "%-46s %12d %12d %8.3f\n", "intake, instructions per order (callgrind)", bo, no, bo / no;
	printf "%-46s %12d %12d %8.3f\n", "events, instructions per event (callgrind)", be, ne, be / ne }'
fi
((ROUNDS == 0)) || echo "# (means of $ROUNDS rounds; intake: synchronous_commit=off, 2 clients, doorbell mode, $SECONDS_PER_RUN s a run;" \
	"events: a backlog of $EVENTS drained by ordertrack-listen --once)"
