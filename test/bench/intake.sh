#!/usr/bin/env bash
# test/bench/intake.sh: throughput of order intake against plain INSERTs.
#
#   bash test/bench/intake.sh          (from the repository root)
#
# Builds and installs the extension, starts a throwaway cluster, and loads
# two schemas with identical tables: ordertrack's (with the intake triggers)
# and "plain" (the same columns, keys, indexes and foreign keys, no
# triggers).  Each holds 200,000 orders of the last 24 hours from 50,000
# repeat buyers, so duplicate look-ups hit a realistic index.  pgbench then
# inserts orders of 3 lines (one transaction each) into both, in the same
# run: into plain as A (test/bench/order.sql) and as A+ (order_plus.sql:
# the same, plus the writes intake makes anyway, its event in plain.events
# and an UPDATE of the order with its verdict); and into a third schema,
# plpgsql, where the same rules are PL/pgSQL triggers
# (test/bench/intake_plpgsql.sql).  In three modes:
#   - synchronous_commit=off, 2 clients (CPU-bound);
#   - synchronous_commit=on, 8 clients;
#   - synchronous_commit=off, 1 client, with the server and pgbench on one
#     CPU (taskset) and autovacuum off.  Not a target mode: it leaves out
#     what waking a process on the other CPU costs, which on a virtual
#     machine can dominate a one-client run.  In doorbell mode the worker
#     shares that CPU.
# Every mode starts with VACUUM ANALYZE and a checkpoint.
# ordertrack runs in both NOTIFY modes (ordertrack.notify): commit (each
# writing transaction notifies) and doorbell (the background worker rings;
# the cluster preloads the library).  It prints orders per second and the
# ratios ordertrack / A, ordertrack / A+ (targets: at least 0.85 in the
# first mode, in both NOTIFY modes; at least 0.9 in doorbell mode in the
# second) and ordertrack / plpgsql, for each mode, and under them the
# server's CPU time per order (all its processes, from /proc), the steadier
# figure on a shared machine whose speed drifts.
# OT_BENCH_SECONDS sets each run's length (20), OT_BENCH_ROUNDS the number of
# runs per column (2).
# Exits 0 whatever the ratios; non-zero only if something failed to run.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
ROUNDS=${OT_BENCH_ROUNDS:-2}
ot_install_packages
ot_build_install
trap 'ot_cluster_destroy' EXIT INT TERM
db=ot_bench_intake
bench_cluster_start $db
ot_fresh_db $db

echo "# loading products and 200,000 recent orders into both schemas"
bench_load_history $db
bench_plain $db
ot_psql -d $db -f test/bench/intake_plpgsql.sql >/dev/null
ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT"

pm=$(head -1 "$OT_CLUSTER_DIR/data/postmaster.pid")

# Pins the server's processes (and so the backends they fork) to the given
# CPUs, or lets them run anywhere again.
pin_server() {
	local p
	for p in $pm $(pgrep -P "$pm"); do
		taskset -p -c "$1" "$p" >/dev/null 2>&1 || true	# a backend may exit meanwhile
	done
}
all_cpus=0-$(($(nproc) - 1))

# Every run starts from the 200,000 orders (bench_reset).
flags_raised=0
reset_schema() {
	if [ "$1" = ordertrack ]; then
		flags_raised=$((flags_raised + $(ot_val $db "SELECT count(*) FROM ordertrack.flags")))
	fi
	bench_reset $db "$1" "$([ "$1" = plpgsql ] && echo "DELETE FROM plpgsql.flags f WHERE NOT EXISTS
		(SELECT FROM plpgsql.orders o WHERE o.shop = f.shop AND o.order_id = f.order_id)")"
}

run() {		# schema sync clients column -> "tps server-CPU-microseconds-per-order"
	local notify=commit
	[ "$4" = doorbell ] && notify=doorbell
	bench_run $db "$1" "$2" "$3" $notify "$SECONDS_PER_RUN" $pinned
}

columns="plain plain+ commit doorbell plpgsql"
printf '\n%-34s %8s %8s %10s %11s %8s %15s %15s %15s\n' "" "A" "A+" "ot commit" "ot doorbell" \
	"plpgsql" "ot/A" "ot/A+" "ot/plpgsql"
for mode in "off 2" "on 8" "off 1 0"; do
	read -r sync clients cpu_list <<<"$mode"
	# every mode starts from vacuumed tables (the last mode's dead row
	# versions would otherwise be vacuumed during this one's runs)
	ot_psql -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
	pinned=
	if [ -n "${cpu_list:-}" ]; then
		pinned="taskset -c $cpu_list"
		pin_server "$cpu_list"
		# autovacuum would share the one CPU with the runs
		ot_psql -d $db -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
	fi
	declare -A tps=() cpu=()
	# interleaved, in turn forwards and backwards, so that drift on a shared
	# machine touches every column alike
	for ((r = 0; r < ROUNDS; r++)); do
		order=$columns
		((r % 2)) && order=$(tr ' ' '\n' <<<"$columns" | tac | tr '\n' ' ')
		for c in $order; do
			case $c in
			plain | plain+ | plpgsql) schema=$c ;;
			*) schema=ordertrack ;;
			esac
			result=$(run "$schema" "$sync" "$clients" "$c")
			reset_schema "$schema"
			read -r t u <<<"$result"
			tps[$c]=$(awk -v a="${tps[$c]:-0}" -v b="$t" 'BEGIN { print a + b }')
			cpu[$c]=$((${cpu[$c]:-0} + u))
		done
	done
	label="synchronous_commit=$sync, $clients clients"
	if [ -n "$pinned" ]; then
		label="synchronous_commit=$sync, $clients client, server and pgbench on CPU $cpu_list, no autovacuum (not a target)"
	fi
	awk -v m="$label" -v n="$ROUNDS" \
		-v p="${tps[plain]}" -v q="${tps[plain+]}" -v c="${tps[commit]}" -v d="${tps[doorbell]}" -v g="${tps[plpgsql]}" \
		-v pu="${cpu[plain]}" -v qu="${cpu[plain+]}" -v cu="${cpu[commit]}" -v du="${cpu[doorbell]}" -v gu="${cpu[plpgsql]}" 'BEGIN {
		f = "%-34s %8.0f %8.0f %10.0f %11.0f %8.0f %6.2f / %6.2f %6.2f / %6.2f %6.2f / %6.2f\n";
		printf "%s\n" f, m, "  orders per second",
			p / n, q / n, c / n, d / n, g / n, c / p, d / p, c / q, d / q, c / g, d / g;
		printf f, "  server CPU per order (us)",
			pu / n, qu / n, cu / n, du / n, gu / n, pu / cu, pu / du, qu / cu, qu / du, gu / cu, gu / du }'
	unset tps cpu
	if [ -n "$pinned" ]; then
		pin_server "$all_cpus"
		ot_psql -d $db -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null
	fi
done
echo "# (A: plain tables; A+: the same and the writes intake makes anyway, its event and the order's verdict;"
echo "#  targets: ot/A+ at least 0.85 in the first mode, at least 0.9 in doorbell mode in the second)"
echo "# (ratios: commit mode / doorbell mode; CPU ratios are the baseline's CPU per order over ordertrack's,"
echo "#  so that above 1 is better on both lines; each figure is the mean of $ROUNDS runs of $SECONDS_PER_RUN s)"
echo "# shared memory in huge pages: $(awk '/HugetlbPages/ { print ($2 > 0 ? "yes" : "no") }' "/proc/$pm/status")" \
	"(none unless the kernel has enough reserved: vm.nr_hugepages, about 280 for shared_buffers=512MB)"
echo "# intake took $(ot_val $db "SELECT count(*) FROM ordertrack.events WHERE kind = 'order_received'") orders" \
	"and raised $flags_raised flags"
