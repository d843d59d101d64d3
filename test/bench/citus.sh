#!/usr/bin/env bash
# test/bench/citus.sh: orders per second through a Citus coordinator with two
# workers, against one node with ordertrack, in the same run.
#
#   bash test/bench/citus.sh          (from the repository root)
#
# Builds and installs the extension (and Citus, from the vendored source,
# when it is not installed: see test/citus_lib.sh), then starts two set-ups
# on this machine: one node, and a coordinator with two workers on loopback
# distributed by ordertrack.distribute().  Every node preloads ordertrack
# (doorbell NOTIFY mode) and runs with fsync on; all of them share this
# machine's cores, so the cluster is measured for its overhead, not for
# scaling.  Both hold the same 200,000 orders of history from 50,000 repeat
# buyers in ten shops; pgbench sends orders of three lines (one transaction
# each, test/bench/order.sql: the ERP's INSERTs) to the single node and to
# the coordinator, alternating, in two modes:
#   - synchronous_commit=off, 4 clients (CPU-bound);
#   - synchronous_commit=on, 8 clients.
# It prints orders per second and the ratio cluster / single node (target:
# at least 0.5).  OT_BENCH_SECONDS sets each run's length (20),
# OT_BENCH_ROUNDS the runs per column (2).  Exits 0 whatever the ratio;
# non-zero only if something failed to run.
set -eu
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh
. test/citus_lib.sh

SECONDS_PER_RUN=${OT_BENCH_SECONDS:-20}
ROUNDS=${OT_BENCH_ROUNDS:-2}
SINGLE_PORT=54930
CITUS_PORT=54940
db=postgres

ot_install_packages
ot_citus_installed || ot_citus_build
ot_build_install
trap 'ot_cluster_destroy; ot_citus_destroy' EXIT INT TERM

# the same server settings everywhere
settings="-c fsync=on -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=30min -c jit=off"
echo "# one node"
OT_PORT=$SINGLE_PORT ot_cluster_start $settings -c shared_preload_libraries=ordertrack >/dev/null
single="host=$PGHOST port=$SINGLE_PORT"
ot_psql -d "$single dbname=$db" -c "CREATE EXTENSION ordertrack" >/dev/null
echo "# a coordinator and two workers"
ot_citus_cluster_start $CITUS_PORT $settings >/dev/null || { echo "could not start the Citus cluster"; exit 1; }
cluster="host=localhost port=$CITUS_PORT"
ot_psql -d "$cluster dbname=$db" -c "SELECT count(*) FROM ordertrack.distribute()" >/dev/null

echo "# loading products and 200,000 recent orders into both"
bench_load_history "$single dbname=$db"
bench_load_history "$cluster dbname=$db"
for c in "$single" "$cluster"; do
	ot_psql -d "$c dbname=$db" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
done

# One run: run CONNINFO SYNC CLIENTS prints orders per second.
run() {
	local out tps
	out=$(PGOPTIONS="-c synchronous_commit=$2" "$PGBIN/pgbench" -n -M simple -c "$3" -j "$3" -T "$SECONDS_PER_RUN" \
		-D schema=ordertrack -s 1 -f test/bench/order.sql "$1 dbname=$db" 2>&1)
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
	[ -n "$tps" ] || { echo "$out" >&2; return 1; }
	echo "$tps"
}

# the run's orders deleted and the tables vacuumed, so that every run starts alike
reset() {
	ot_psql -d "$1 dbname=$db" -q -c "DELETE FROM ordertrack.orders WHERE external_ref LIKE 'b%'" \
		-c "VACUUM ordertrack.orders, ordertrack.order_lines, ordertrack.flags, ordertrack.events" >/dev/null
}

printf '%-34s %12s %12s %8s\n' "mode" "one node/s" "cluster/s" "ratio"
for mode in "off 4" "on 8"; do
	read -r sync clients <<<"$mode"
	s_sum=0; c_sum=0
	for round in $(seq "$ROUNDS"); do
		s=$(run "$single" "$sync" "$clients"); reset "$single"
		c=$(run "$cluster" "$sync" "$clients"); reset "$cluster"
		echo "#   round $round: one node $s/s, cluster $c/s"
		s_sum=$(awk -v a="$s_sum" -v b="$s" 'BEGIN { print a + b }')
		c_sum=$(awk -v a="$c_sum" -v b="$c" 'BEGIN { print a + b }')
	done
	awk -v m="synchronous_commit=$sync, $clients clients" -v s="$s_sum" -v c="$c_sum" -v n="$ROUNDS" \
		'BEGIN { printf "%-34s %12.0f %12.0f %8.2f\n", m, s / n, c / n, c / s }'
done
