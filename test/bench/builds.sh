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
# OT_BENCH_ROUNDS (3) rounds, each build once per round, which build goes
# first alternating.  Prints each build's mean and the ratio working tree /
# BASE (1.00: the same; above 1: the working tree is faster, or for CPU per
# order, cheaper).  Exits 0 whatever the figures; non-zero only if
# something failed to run.  The working tree's library is installed again
# at the end.
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
awk -v n="$ROUNDS" -v tb="${tps[base]}" -v tn="${tps[new]}" -v cb="${cpu[base]}" -v cn="${cpu[new]}" \
	-v eb="${eps[base]}" -v en="${eps[new]}" 'BEGIN {
	printf "%-46s %12.0f %12.0f %8.2f\n", "intake, orders per second", tb / n, tn / n, tn / tb;
	printf "%-46s %12.0f %12.0f %8.2f\n", "intake, server CPU per order (us)", cb / n, cn / n, cb / cn;
	printf "%-46s %12.0f %12.0f %8.2f\n", "events drained per second", eb / n, en / n, en / eb }'
echo "# (means of $ROUNDS rounds; intake: synchronous_commit=off, 2 clients, doorbell mode, $SECONDS_PER_RUN s a run;" \
	"events: a backlog of $EVENTS drained by ordertrack-listen --once)"
