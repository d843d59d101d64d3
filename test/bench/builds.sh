#!/usr/bin/env bash
# test/bench/builds.sh: the performance benchmarks on two builds of
# ordertrack, in one run, e.g. the previous release and the working tree.
#
#   bash test/bench/builds.sh [BASE]      (from the repository root)
#
# BASE is a git revision (default HEAD), built and installed from a
# worktree of its own; the working tree is built and installed as usual.
# Each build gets a database of its own, created while its files were
# installed (so the two may differ in schema), on one cluster set up as
# test/bench/intake.sh sets up its own (fsync on, the library preloaded,
# 200,000 orders of history, and the plain tables of A and A+).  Each
# round installs one build's library, restarts the server, warms it up
# with a 5-second run that is not counted, and measures on its database:
#   - intake, orders of 3 lines (pgbench, OT_BENCH_SECONDS, 20 s a run),
#     with synchronous_commit=off on 2 clients (CPU-bound) and with it on
#     on 8 clients, in both NOTIFY modes; orders per second and server CPU
#     per order; every run starts from the 200,000 orders again.  A and A+
#     (test/bench/intake.sh) run in every round too, on the working tree's
#     database, so that the ratios ordertrack / A+ come from the same run;
#   - latency: ordertrack-listen of that build reading order_received
#     events with its default options, orders at 300/s (2 clients) and
#     1,000/s (4 clients), synchronous_commit on, doorbell mode; p50 and
#     p99 from the event's created_at to the line (bench_latency);
#   - drain: a backlog of OT_BENCH_EVENTS (1,000,000) events read by that
#     build's ordertrack-listen --once, and by poll() and ack() in a loop,
#     both with their defaults; events per second.
# Both builds also under callgrind (when valgrind is installed;
# OT_BENCH_CALLGRIND=0 skips it): instructions per order and per event,
# counted on the server in single-user mode, which are the same for the
# same code and data whatever else the machine does.  On this project's
# shared 2-core machines a 20 s pgbench run of the same code varies by 15%
# from one run to the next, so the instruction counts are the figure that
# shows a change in CPU cost.
# OT_BENCH_ROUNDS (2) rounds of the timed runs (0: none), each build once
# per round, which build goes first alternating.  Prints each build's mean
# and the ratio working tree / BASE (1.00: the same; above 1: the working
# tree is faster, or for CPU, latency and instructions, cheaper).  Exits 0
# whatever the figures; non-zero only if something failed to run.  The
# working tree's build is installed again at the end.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

BASE=${1:-HEAD}
SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
ROUNDS=${OT_BENCH_ROUNDS:-2}
EVENTS=${OT_BENCH_EVENTS:-1000000}
base_name=$(git rev-parse --short "$BASE")
ot_install_packages
work=$(mktemp -d)
chmod 755 "$work"
libdir=$("$PG_CONFIG" --pkglibdir)
cleanup() {
	ot_cluster_destroy
	ot_build_install || true
	git worktree remove --force "$work/base" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "# building $base_name and the working tree"
git worktree add -q --detach "$work/base" "$BASE"
declare -A db=([base]=ot_bench_base [new]=ot_bench_new) listen=()
bench_cluster_start
for b in base new; do
	if [ $b = base ]; then
		make -s -C "$work/base" PG_CONFIG="$PG_CONFIG" >/dev/null
		ot_as_root make -s -C "$work/base" PG_CONFIG="$PG_CONFIG" install >/dev/null
		listen[$b]=$work/base/src/listen/ordertrack-listen
	else
		ot_build_install
		listen[$b]=$PWD/src/listen/ordertrack-listen
	fi
	cp "$([ $b = base ] && echo "$work/base" || echo .)/ordertrack.so" "$work/$b.so"
	# the server runs the library of the build it serves
	ot_cluster_ctl stop
	ot_as_root cp "$work/$b.so" "$libdir/ordertrack.so"
	ot_cluster_ctl start
	ot_fresh_db ${db[$b]}
	echo "# $b: ordertrack $(ot_val ${db[$b]} "SELECT extversion FROM pg_extension WHERE extname = 'ordertrack'"); loading products and 200,000 recent orders"
	bench_load_history ${db[$b]}
	[ $b = new ] && bench_plain ${db[$b]}
	ot_psql -d ${db[$b]} -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
done

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
		-c ordertrack.notify=commit -c fsync=off ${db[$1]} <"$work/cg.sql" >"$work/cg.log" 2>&1 ||
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
	ot_as_root cp "$work/new.so" "$libdir/ordertrack.so"
	ot_cluster_ctl start
fi

# Restarts the server with build $1's library, and warms its caches with a
# run that is not counted.
use_build() {
	ot_cluster_ctl stop
	ot_as_root cp "$work/$1.so" "$libdir/ordertrack.so"
	ot_cluster_ctl start
	bench_run ${db[$1]} ordertrack off 2 doorbell 5 >/dev/null
	bench_reset ${db[$1]} ordertrack
}

add() {	# name value: sums of each figure over the rounds
	sum[$1]=$(awk -v a="${sum[$1]:-0}" -v b="$2" 'BEGIN { print a + b }')
}

cells="off-2-commit off-2-doorbell on-8-commit on-8-doorbell"
declare -A sum=()
for ((r = 0; r < ROUNDS; r++)); do
	order="base new"
	((r % 2)) && order="new base"
	for b in $order; do
		use_build $b
		if [ $b = new ]; then
			for mode in "off 2" "on 8"; do
				read -r sync clients <<<"$mode"
				for a in plain plain+; do
					read -r t u <<<"$(bench_run ${db[new]} $a "$sync" "$clients" commit "$SECONDS_PER_RUN")"
					bench_reset ${db[new]} $a
					add "$a-$sync-$clients-tps" "$t"
					add "$a-$sync-$clients-cpu" "$u"
				done
			done
		fi
		for cell in $cells; do
			IFS=- read -r sync clients notify <<<"$cell"
			read -r t u <<<"$(bench_run ${db[$b]} ordertrack "$sync" "$clients" "$notify" "$SECONDS_PER_RUN")"
			bench_reset ${db[$b]} ordertrack
			add "$b-$cell-tps" "$t"
			add "$b-$cell-cpu" "$u"
		done
		for cell in "300 2" "1000 4"; do
			read -r rate clients <<<"$cell"
			read -r p50 p99 mx t <<<"$(OT_LISTEN=${listen[$b]} bench_latency ${db[$b]} doorbell "$rate" "$clients" "$SECONDS_PER_RUN")"
			bench_reset ${db[$b]} ordertrack
			add "$b-lat$rate-p50" "$p50"
			add "$b-lat$rate-p99" "$p99"
			add "$b-lat$rate-tps" "$t"
		done
		add "$b-drain-listen" "$(OT_LISTEN=${listen[$b]} bench_drain_listen ${db[$b]} "$EVENTS")"
		add "$b-drain-poll" "$(bench_drain_poll ${db[$b]} "$EVENTS")"
		echo "# round $((r + 1)), $b done"
	done
done

row() {	# label figure-of-base figure-of-new [cheaper-is-better]
	awk -v l="$1" -v b="$2" -v n="$3" -v c="${4:-}" -v k="$ROUNDS" 'BEGIN {
		b /= k; n /= k; printf "%-52s %10.1f %12.1f %8.2f\n", l, b, n, c ? b / n : n / b }'
}
if ((ROUNDS > 0)); then
	printf '\n%-52s %10s %12s %8s\n' "" "$base_name" "working tree" "ratio"
	for cell in $cells; do
		IFS=- read -r sync clients notify <<<"$cell"
		row "orders/s, sync $sync, $clients clients, notify=$notify" "${sum[base-$cell-tps]}" "${sum[new-$cell-tps]}"
		row "  server CPU per order (us)" "${sum[base-$cell-cpu]}" "${sum[new-$cell-cpu]}" 1
	done
	for rate in 300 1000; do
		row "latency at $rate orders/s, doorbell: p50 (ms)" "${sum[base-lat$rate-p50]}" "${sum[new-lat$rate-p50]}" 1
		row "  p99 (ms)" "${sum[base-lat$rate-p99]}" "${sum[new-lat$rate-p99]}" 1
		row "  orders/s kept" "${sum[base-lat$rate-tps]}" "${sum[new-lat$rate-tps]}"
	done
	row "drain of $EVENTS, ordertrack-listen defaults (events/s)" "${sum[base-drain-listen]}" "${sum[new-drain-listen]}"
	row "drain of $EVENTS, poll() and ack() defaults (events/s)" "${sum[base-drain-poll]}" "${sum[new-drain-poll]}"
	printf '\n%-32s %8s %8s %14s %14s %14s\n' "against A and A+ (orders/s)" A A+ "$base_name/A+" "working/A+" "working/A"
	for cell in $cells; do
		IFS=- read -r sync clients notify <<<"$cell"
		awk -v l="sync $sync, $clients clients, $notify" -v k="$ROUNDS" -v a="${sum[plain-$sync-$clients-tps]}" \
			-v p="${sum[plain+-$sync-$clients-tps]}" -v b="${sum[base-$cell-tps]}" -v n="${sum[new-$cell-tps]}" 'BEGIN {
			printf "%-32s %8.0f %8.0f %14.2f %14.2f %14.2f\n", l, a / k, p / k, b / p, n / p, n / a }'
	done
	echo "# (means of $ROUNDS rounds, $SECONDS_PER_RUN s a run; A and A+ with notify=commit, which they ignore)"
fi
if [ -n "${ir[base-orders]:-}" ]; then
	printf '\n'
	awk -v bo="${ir[base-orders]}" -v no="${ir[new-orders]}" -v be="${ir[base-events]}" -v ne="${ir[new-events]}" 'BEGIN {
	printf "%-52s %10d %12d %8.3f\n", "intake, instructions per order (callgrind)", bo, no, bo / no;
	printf "%-52s %10d %12d %8.3f\n", "events, instructions per event (callgrind)", be, ne, be / ne }'
fi
